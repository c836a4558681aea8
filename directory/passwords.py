"""Changing and resetting a password: Django's own views, with the reset e-mail in the person's language,
a limit on reset requests, and a sign-in lockout lifted once the password is reset. A wrong current
password on the change form counts as a failed sign-in (directory/sign_in.py), so it is no way to guess.

The reset pages never say whether an address has an account: every request answers alike, and the
limit counts requests per client address and per e-mail address whether or not an account has it.
"""

import math

from axes.handlers.proxy import AxesProxyHandler
from django.conf import settings
from django.contrib.auth import forms as auth_forms
from django.contrib.auth import views as auth_views
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.translation import ngettext

from directory import mail
from directory.throttles import address_key, count_attempt


def email_key(group: str, request: HttpRequest) -> str:
    """django-ratelimit's key: the e-mail address asked for, as Django compares it (any case, no spaces around)."""
    return request.POST.get("email", "").strip().casefold()


RESET_LIMITS = (("password-reset-address", address_key), ("password-reset-email", email_key))


class PasswordResetForm(auth_forms.PasswordResetForm):
    """Django's form, each e-mail rendered in its recipient's language (else the language of the page)."""

    def send_mail(self, subject_template_name, email_template_name, context, *args, **kwargs):
        with translation.override(mail.language_of(context["user"], translation.get_language())):
            super().send_mail(subject_template_name, email_template_name, context, *args, **kwargs)


class PasswordChangeForm(auth_forms.PasswordChangeForm):
    """Django's form, within the sign-in throttle: a locked-out username cannot try, a wrong password counts."""

    def __init__(self, user, *args, request: HttpRequest, **kwargs):
        super().__init__(user, *args, **kwargs)
        self.request = request

    def clean_old_password(self) -> str:
        credentials = {"username": self.user.get_username()}
        if not AxesProxyHandler.is_allowed(self.request, credentials):
            # axes' middleware answers with directory.sign_in.locked_out: this page, 429, saying when.
            self.request.axes_locked_out, self.request.axes_credentials = True, credentials
            raise ValidationError(self.error_messages["password_incorrect"], code="password_incorrect")
        try:
            return super().clean_old_password()
        except ValidationError:
            user_login_failed.send(sender=__name__, credentials=credentials, request=self.request)
            raise


class PasswordChangeView(auth_views.PasswordChangeView):
    form_class = PasswordChangeForm

    def get_form_kwargs(self) -> dict:
        return {**super().get_form_kwargs(), "request": self.request}


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetForm
    email_template_name = "registration/password_reset_email.txt"

    @property
    def extra_email_context(self) -> dict:
        return {
            "site_url": settings.SITE_URL.rstrip("/"),
            "link_hours": math.ceil(settings.PASSWORD_RESET_TIMEOUT / 3600),
        }

    def post(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        """Count the request per address and per e-mail address; past PASSWORD_RESET_RATE, a 429 page, no e-mail."""
        waits = [
            count_attempt(request, kind=kind, key=key, rate=settings.PASSWORD_RESET_RATE) for kind, key in RESET_LIMITS
        ]
        wait = max((seconds for seconds in waits if seconds is not None), default=None)
        if wait is None:
            return super().post(request, *args, **kwargs)
        form = self.get_form()
        form.full_clean()
        minutes = math.ceil(wait / 60)
        form.add_error(
            None,
            ngettext(
                "Too many password reset requests. Try again in %(minutes)s minute.",
                "Too many password reset requests. Try again in %(minutes)s minutes.",
                minutes,
            )
            % {"minutes": minutes},
        )
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(wait)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    def form_valid(self, form):
        """Set the password; then failed sign-ins no longer lock out that username (the person proved who they are)."""
        response = super().form_valid(form)
        AxesProxyHandler.reset_attempts(username=form.user.get_username())
        return response
