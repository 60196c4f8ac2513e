"""The signing benchmark's floor: what any signing request must at least do on this
stack — parse the same form body through the same middleware (CSRF included), look
the invitation up by its token and INSERT one row with the posted image. No checks,
no re-encoding, no identity block, no PDF job."""

import base64

from django.db import connection
from django.http import HttpResponseNotFound, HttpResponseRedirect
from django.utils import timezone

from ceremonies.models import Invitation
from netralitas.lib.tokens import new_code

PREFIX = "data:image/png;base64,"


def floor(request, token):
    invitation = Invitation.objects.filter(token=token).values("pk", "ceremony__pact_template_id").first()
    if invitation is None:
        return HttpResponseNotFound()
    image = base64.b64decode(request.POST.get("signature", "")[len(PREFIX) :])
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO pledges_signature (invitation_id, pact_template_id, signer, pact, text_format, text,"
            " text_sha256, image, image_sha256, signed_at, ip_address, user_agent, method, verification_code,"
            " submission_id, claimed_at, arrived_late, kiosk_name)"
            " VALUES (%s, %s, '{}', '{}', 2, '', '', %s, '', %s, NULL, '', 'link', %s, %s, NULL, FALSE, '')",
            [
                invitation["pk"],
                invitation["ceremony__pact_template_id"],
                image,
                timezone.now(),
                new_code(10),
                request.POST.get("submission_id") or None,
            ],
        )
    return HttpResponseRedirect(request.path)
