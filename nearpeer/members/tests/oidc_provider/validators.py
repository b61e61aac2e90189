from oauth2_provider.oauth2_validators import OAuth2Validator


class ClaimsValidator(OAuth2Validator):
    """Gives the email and name claims, as a university's directory does."""

    def get_additional_claims(self, request):
        return {"email": request.user.email, "name": request.user.get_full_name()}
