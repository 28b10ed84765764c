"""Routing settings (prefix ``ROUTING_``)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

from services.routing.identity_provider import IdentityProviderSettings
from services.routing.passwords import LockoutPolicy
from services.routing.workflow import ExtensionRules, OfficePolicy
from shared.notices import Issuer
from shared.settings import ServiceSettings

DATA = Path(__file__).resolve().parent / "data"


class RoutingSettings(ServiceSettings):
    model_config = SettingsConfigDict(extra="ignore", frozen=True, env_prefix="ROUTING_")

    service_name: str = "routing"
    port: int = 8002
    max_body_bytes: int = Field(
        default=256 * 1024,
        gt=0,
        description="Room for what the API takes: a reply of 20,000 characters and its reason of 5,000, "
        "each character up to 6 bytes once JSON escapes it.",
    )
    seed_file: Path = Field(
        default=DATA / "demo_office.json", description="Departments and rules, seeded once."
    )
    triage_department: str = Field(
        default="triage", description="Where a case no rule matches waits (待分办)."
    )
    max_returns: int = Field(default=2, ge=1, description="Returns after which a case waits in triage.")
    supervise_from_unsatisfied: int = Field(
        default=2,
        ge=1,
        description="The unsatisfied rating of a case from which it goes to supervision (督办).",
    )
    return_window_days: int = Field(
        default=2, gt=0, description="Working days to return a case after assignment."
    )
    supplement_window_days: int = Field(
        default=7, gt=0, description="OGI Art. 30: days to ask for a supplement."
    )
    disclosure_extension_days: int = Field(default=20, gt=0)
    notice_office: str = Field(
        default=Issuer().office,
        description="The office that signs the notices to disclosure applicants (告知书).",
    )
    notice_number_prefix: str = Field(
        default=Issuer().number_prefix,
        description="The notices' document number before 〔year〕第n号 (文号), e.g. 国动办依申告.",
    )
    reconsideration_body: str = Field(
        default=Issuer().reconsideration_body,
        description="Where an applicant applies for 行政复议 (Art. 51).",
    )
    litigation_court: str = Field(
        default=Issuer().court, description="Where an applicant brings 行政诉讼 (Art. 51)."
    )
    mailbox_extension_days: int = Field(default=10, gt=0)
    similarity_threshold: float = Field(
        default=0.52, gt=0, le=1, description="Character-bigram Jaccard at which submissions are similar."
    )
    similarity_max_candidates: int = Field(
        default=500, ge=1, description="Most earlier cases a new case is compared with."
    )
    similarity_max_cases: int = Field(
        default=50_000, ge=1, description="How many of the most recent cases new ones are compared with."
    )

    sign_in_failures: int = Field(
        default=5, ge=1, description="Wrong passwords in a row that lock a sign-in name."
    )
    sign_in_lock_minutes: float = Field(default=15, gt=0, description="How long a locked name stays locked.")

    oidc_issuer: str | None = Field(
        default=None, description="The identity provider's issuer URL; unset: no 统一身份认证 sign-in."
    )
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr | None = None
    oidc_redirect_url: str = Field(
        default="http://127.0.0.1:8000/workbench/login/oidc/callback",
        description="This sign-in's callback as the provider knows it (the front door's address).",
    )
    oidc_scopes: str = "openid profile"
    oidc_username_claim: str = Field(
        default="preferred_username",
        description="The ID token's claim that names the directory's account the first time.",
    )

    def identity_provider(self) -> IdentityProviderSettings | None:
        if not self.oidc_issuer:
            return None
        return IdentityProviderSettings(
            issuer=self.oidc_issuer,
            client_id=self.oidc_client_id,
            client_secret=self.oidc_client_secret.get_secret_value() if self.oidc_client_secret else "",
            redirect_url=self.oidc_redirect_url,
            scopes=self.oidc_scopes,
            username_claim=self.oidc_username_claim,
        )

    def lockout(self) -> LockoutPolicy:
        return LockoutPolicy(
            failures=self.sign_in_failures, lock=timedelta(minutes=self.sign_in_lock_minutes)
        )

    def policy(self) -> OfficePolicy:
        """The office's standing handling rules these settings give."""
        return OfficePolicy(
            triage_department=self.triage_department,
            max_returns=self.max_returns,
            supervise_from_unsatisfied=self.supervise_from_unsatisfied,
            return_window_days=self.return_window_days,
            supplement_window_days=self.supplement_window_days,
            extension=ExtensionRules(self.disclosure_extension_days, self.mailbox_extension_days),
            issuer=Issuer(
                office=self.notice_office,
                number_prefix=self.notice_number_prefix,
                reconsideration_body=self.reconsideration_body,
                court=self.litigation_court,
            ),
        )
