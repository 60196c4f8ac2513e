"""One job for one person: a job someone else started — another agency's, or a
colleague's — is a 404, exactly like a missing one."""

from django.shortcuts import get_object_or_404

from jobs.models import Job


def job_for_user(user, pk):
    return get_object_or_404(Job.objects.visible_to(user).select_related("agency"), pk=pk)
