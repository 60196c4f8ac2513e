"""Staff accounts: signing in — limited so that nobody can lock a colleague out
(``roster.login_limits``), on the staff login page and the Django admin's alike —
and a password reset that is offered only when the server can send mail.

Signers never log in (they use their personal link or the apel QR), so nothing
here touches the apel.
"""

import logging
import smtplib

from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordChangeForm, PasswordResetForm
from django.core import mail
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.shortcuts import render
from django.template import loader
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django_ratelimit.core import get_usage
from django_ratelimit.decorators import ratelimit

from audit.log import record
from audit.models import AuditEvent
from roster.login_limits import SignInAttempt

logger = logging.getLogger(__name__)

RESET_REQUESTS = "5/15m"  # reset mails asked from one address
# Wrong current passwords on the password change page, per account: a session left
# open on a shared office computer must not let a stranger guess the password.
CHANGE_FAILURES = "5/15m"

CHANGE_THROTTLED = _(
    "Terlalu banyak kata sandi lama yang salah untuk akun ini. Demi keamanan, penggantian kata "
    "sandi dikunci sementara: coba lagi dalam %(minutes)s menit."
)
BLOCKED_CHANGE = _(
    "Penggantian kata sandi dikunci sementara untuk akun “%(username)s”: %(count)s kali kata sandi lama salah"
)
PASSWORD_OFF = _("Masuk dengan kata sandi dimatikan untuk staf: gunakan tombol “Masuk dengan SSO”.")
MAIL_FAILED = _(
    "Email tidak dapat dikirim saat ini, jadi tidak ada email yang terkirim. "
    "Coba lagi beberapa saat lagi atau hubungi administrator."
)


class ThrottledLoginMixin:
    """For an ``AuthenticationForm``: refuse a sign-in while one of its limits
    (``roster.login_limits``) is reached — even with the right password — count
    every failure, and remember the browser of a sign-in that succeeds."""

    def clean(self):
        attempt = SignInAttempt(self.request, self.cleaned_data.get("username"))
        refusal = attempt.refusal()
        if refusal is not None:
            message, minutes = refusal
            raise ValidationError(message, code="throttled", params={"minutes": minutes})
        try:
            cleaned_data = super().clean()
        except ValidationError:
            attempt.failed()
            raise
        if self.get_user() is not None:
            attempt.succeeded()
        return cleaned_data


class StaffLoginForm(ThrottledLoginMixin, AuthenticationForm):
    """The staff page's password sign-in; with ``PASSWORD_LOGIN=0`` staff use SSO only."""

    def clean(self):
        if not settings.PASSWORD_LOGIN:
            raise ValidationError(PASSWORD_OFF, code="password_off")
        return super().clean()


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    """The admin's password sign-in: with ``PASSWORD_LOGIN=0`` the break-glass door of
    superusers only (a staff member with admin access uses SSO like everyone)."""

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        if not settings.PASSWORD_LOGIN and not user.is_superuser:
            raise ValidationError(PASSWORD_OFF, code="password_off")


class StaffLoginView(auth_views.LoginView):
    """The staff login page: a throttled sign-in answers 429 with the message."""

    authentication_form = StaffLoginForm

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, "throttled"):
            response.status_code = 429
        elif form.has_error(NON_FIELD_ERRORS, "password_off"):
            response.status_code = 403
        return response

    def get_context_data(self, **kwargs):
        return {
            **super().get_context_data(**kwargs),
            "password_login": settings.PASSWORD_LOGIN,
            "password_reset_enabled": settings.PASSWORD_RESET_ENABLED and settings.PASSWORD_LOGIN,
            "sso_enabled": bool(settings.OIDC_ISSUER),
        }


def _user_key(group, request):
    return str(request.user.pk)


def _minutes_left(usage):
    return max(1, -(-usage["time_left"] // 60))


class ThrottledPasswordChangeForm(PasswordChangeForm):
    """Django's password change form, with the wrong current passwords counted per
    account: past the limit even the right one is refused for a while, and the
    moment of the lock is written to the trail."""

    def __init__(self, user, *args, request=None, **kwargs):
        self.request = request
        super().__init__(user, *args, **kwargs)

    def _usage(self, *, increment):
        usage = get_usage(
            self.request, group="password-change", key=_user_key, rate=CHANGE_FAILURES, increment=increment
        )
        return usage or {"count": 0, "limit": 1, "time_left": 0}

    def clean_old_password(self):
        usage = self._usage(increment=False)
        if usage["count"] >= usage["limit"]:
            raise ValidationError(CHANGE_THROTTLED, code="throttled", params={"minutes": _minutes_left(usage)})
        try:
            return super().clean_old_password()
        except ValidationError:
            usage = self._usage(increment=True)
            if usage["count"] == usage["limit"]:
                target = getattr(self.user, "staff_profile", None) or self.user
                record(
                    self.request,
                    AuditEvent.Action.LOGIN_BLOCKED,
                    target,
                    BLOCKED_CHANGE,
                    username=self.user.get_username(),
                    count=usage["count"],
                )
            raise


class PasswordChangeView(auth_views.PasswordChangeView):
    """The password change page: a throttled attempt answers 429 with the message."""

    form_class = ThrottledPasswordChangeForm
    # The staff layout; Django's default name is the admin's own page (its layout, its menu).
    template_name = "registration/change_password.html"

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "request": self.request}

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error("old_password", "throttled"):
            response.status_code = 429
        return response


class MailedPasswordResetForm(PasswordResetForm):
    """Django's reset form logs a mail that failed and lets the page say "sent". Here
    the mail server is reached first — for every address alike, so the answer tells
    nothing about which addresses have an account — and a failure is an error."""

    def save(self, **kwargs):
        with mail.get_connection(fail_silently=False) as connection:  # opening it fails loudly
            self.connection = connection
            super().save(**kwargs)

    def send_mail(self, subject_template_name, email_template_name, context, from_email, to_email, **kwargs):
        subject = "".join(loader.render_to_string(subject_template_name, context).splitlines())
        body = loader.render_to_string(email_template_name, context)
        mail.EmailMessage(subject, body, from_email, [to_email], connection=self.connection).send()


class ResetOfferedMixin:
    """The password reset pages exist only where mail can be sent (``EMAIL_HOST``);
    elsewhere each says so instead of pretending to send anything."""

    def dispatch(self, request, *args, **kwargs):
        if not settings.PASSWORD_RESET_ENABLED:
            return render(request, "registration/password_reset_unavailable.html")
        return super().dispatch(request, *args, **kwargs)


@method_decorator(ratelimit(key="ip", rate=RESET_REQUESTS, method="POST", block=True), name="post")
class PasswordResetView(ResetOfferedMixin, auth_views.PasswordResetView):
    """Asks for the account's email and mails a one-time link. A mail that could not
    be sent is said to have failed: the page never claims "sent" for it."""

    form_class = MailedPasswordResetForm
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"

    def form_valid(self, form):
        # The link in the mail points at the public address, not at whatever Host the request named.
        self.extra_email_context = {"base_url": settings.PUBLIC_BASE_URL}
        try:
            return super().form_valid(form)
        except (smtplib.SMTPException, OSError) as error:
            logger.warning("Password reset mail not sent: %s", error)
            form.add_error(None, MAIL_FAILED)
            return self.form_invalid(form)


class PasswordResetDoneView(ResetOfferedMixin, auth_views.PasswordResetDoneView):
    pass


class PasswordResetConfirmView(ResetOfferedMixin, auth_views.PasswordResetConfirmView):
    pass


class PasswordResetCompleteView(ResetOfferedMixin, auth_views.PasswordResetCompleteView):
    pass
