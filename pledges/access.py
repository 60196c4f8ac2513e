"""Finding one signed pact for a staff user: 404 for anything the user may not see
or that has no PDF yet (``roster.access`` explains the pattern)."""

from django.shortcuts import get_object_or_404

from pledges.models import PactDocument, Signature


def document_for_user(user, signature_pk):
    """The signed PDF of signature ``signature_pk``, with its signature and ceremony."""
    return get_object_or_404(
        PactDocument.objects.filter(signature__in=Signature.objects.visible_to(user))
        .select_related("signature__invitation__ceremony__agency")
        .defer("signature__image", "signature__text", "signature__pact"),
        signature_id=signature_pk,
    )
