"""A job's page (with its live progress bar), the person's recent files, and
the download of a job's file — access-checked and written to the trail."""

import datetime

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from audit.log import Bulk, describe, record
from audit.models import AuditEvent
from jobs.access import job_for_user
from jobs.models import Job, WorkerHeartbeat

PER_PAGE = 25
DOWNLOADED = gettext_lazy("Mengunduh berkas “%(file)s”: %(title)s%(rows)s")
ROWS = gettext_lazy(" (%(count)s baris)")


@login_required
@require_GET
def index(request):
    """The files and jobs this person started, newest first."""
    jobs = Job.objects.visible_to(request.user).defer("params", "result").order_by("-created_at")
    page = Paginator(jobs, PER_PAGE).get_page(request.GET.get("halaman"))
    return render(request, "jobs/index.html", {"page": page})


@login_required
@require_GET
def detail(request, pk):
    """One job: its progress while it runs, its result and file when done."""
    job = job_for_user(request.user, pk)
    return render(request, "jobs/detail.html", {"job": job, "no_worker": _no_worker(job)})


@login_required
@require_GET
def progress(request, pk):
    """The progress bar alone (polled by htmx every second while the job runs). When
    the job has ended, the whole page reloads to show the result."""
    job = job_for_user(request.user, pk)
    context = {"job": job, "polling": not job.finished, "no_worker": _no_worker(job)}
    response = render(request, "jobs/progress.html", context)
    if job.finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    response["Cache-Control"] = "no-store"
    return response


def _no_worker(job):
    """A waiting job with no live worker to take it: say so rather than wait in silence."""
    if job.status != Job.Status.QUEUED:
        return False
    alive_since = timezone.now() - datetime.timedelta(seconds=settings.TASKS_LEASE_SECONDS)
    return not WorkerHeartbeat.objects.filter(seen_at__gte=alive_since).exists()


@login_required
@require_GET
def download(request, pk):
    """The job's file, once. Recorded in the trail of each agency it is about.
    From the moment it expires the file is a 404 that says so, whenever the
    daily ``cleanup_jobs`` deletes it."""
    job = job_for_user(request.user, pk)
    if job.made_file and job.is_expired:
        return render(request, "jobs/expired.html", {"job": job}, status=404)
    if not job.has_file:
        raise Http404
    # A file about several agencies (a trail export) is recorded in each one's trail.
    targets = [Bulk(agency_id, Job) for agency_id in job.params.get("trail_agencies", [])] or [job]
    rows = describe(ROWS, count=job.result["rows"]) if "rows" in job.result else ""
    for target in targets:
        record(request, AuditEvent.Action.DOWNLOAD, target, DOWNLOADED, file=job.filename, title=job.title, rows=rows)
    try:
        handle = job.file.open("rb")
    except FileNotFoundError:  # removed from the storage by hand: as gone as an expired one
        raise Http404 from None
    response = FileResponse(handle, as_attachment=True, filename=job.filename, content_type=job.content_type or None)
    # Personal data (NIPs, personal links and codes): never in a shared or browser cache.
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
