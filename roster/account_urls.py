"""Staff account pages under ``/akun/``: Django's own names (``login``,
``password_reset``…), with the throttled login and password change and the mail-aware password reset
of ``roster.accounts``, and the sign-in through the agency's SSO of ``roster.sso``."""

from django.contrib.auth import views as auth_views
from django.urls import path

from roster import accounts, sso

urlpatterns = [
    path("login/", accounts.StaffLoginView.as_view(), name="login"),
    path("logout/", sso.LogoutView.as_view(), name="logout"),
    path("sso/", sso.sso_login, name="sso_login"),
    path("sso/callback/", sso.sso_callback, name="sso_callback"),
    path("password_change/", accounts.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(template_name="registration/password_changed.html"),
        name="password_change_done",
    ),
    path("password_reset/", accounts.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", accounts.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", accounts.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", accounts.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
