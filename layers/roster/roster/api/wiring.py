"""The front door as deployed: its ports on the deployment's tables, bucket and functions."""

from __future__ import annotations

from typing import Any

from roster.adapters.apply_requests import LambdaApplyRequests
from roster.adapters.clients import client
from roster.adapters.directory_store import DirectoryStore
from roster.adapters.job_store import JobStore
from roster.adapters.ses import SesMailer
from roster.adapters.upload_listing import UploadListing
from roster.adapters.upload_store import UploadStore
from roster.api.front_door import FrontDoor
from roster.api.uploads import FORM_SECONDS, UploadDesk
from roster.approve.step import ApprovalStep
from roster.model.jobs import Job
from roster.settings import Settings, get_settings


def front_door() -> FrontDoor:
    """The front door on the deployment's stores (boto3 clients shared across invocations)."""
    settings = get_settings()
    dynamodb = client("dynamodb")
    applier = LambdaApplyRequests(client("lambda"), settings.apply_function)
    uploads = UploadDesk(records=JobStore(dynamodb, settings.jobs_table),
                         index=UploadListing(dynamodb, settings.jobs_table),
                         files=UploadStore(client("s3"), settings.bucket),
                         applier=applier,
                         max_upload_bytes=settings.max_upload_bytes, approvals=approvals(applier))
    return FrontDoor(uploads=uploads, directory=DirectoryStore(dynamodb, settings.directory_table),
                     sign_in=sign_in_config(settings, client("cognito-idp")))


def approvals(applier: LambdaApplyRequests) -> ApprovalStep:
    """Approve and cancel on the deployment's stores. An approval that completes an upload hands
    its re-validation to the apply function, as applying a validated upload does: the API keeps
    its narrow rights and its answer fast."""
    settings = get_settings()
    jobs = JobStore(client("dynamodb"), settings.jobs_table)

    def hand_over(job_id: str) -> Job:
        applier.request(job_id)
        return jobs.get(job_id)

    return ApprovalStep(settings, jobs, UploadStore(client("s3"), settings.bucket), SesMailer(), hand_over,
                        DirectoryStore(client("dynamodb"), settings.directory_table))


def console_connect_origins() -> list[str]:
    """Where the console's page calls besides its own API: the user pool (sign-in) and the bucket
    (the upload form). Its Content-Security-Policy allows these and nothing else."""
    return [cognito_endpoint(client("cognito-idp")), UploadStore(client("s3"), get_settings().bucket).form_url()]


def cognito_endpoint(cognito: Any) -> str:
    """The user pool's API as this function's own Cognito client reaches it: AWS's regional endpoint,
    or the embedded stack's under `roster local serve` (AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER)."""
    return str(cognito.meta.endpoint_url).rstrip("/") + "/"


def sign_in_config(settings: Settings, cognito: Any) -> dict[str, Any]:
    """What a client needs to sign in (GET /config): the console calls Cognito at `cognito_endpoint`."""
    region = cognito.meta.region_name
    return {
        "region": region,
        "user_pool_id": settings.user_pool_id,
        "client_id": settings.user_pool_client_id,
        "issuer": f"https://cognito-idp.{region}.amazonaws.com/{settings.user_pool_id}",
        "cognito_endpoint": cognito_endpoint(cognito),
        "sign_in_url": f"https://{settings.sign_in_domain}" if settings.sign_in_domain else None,
        "token": "Send the ID token of a sign-in as 'Authorization: Bearer <token>'.",
        "max_upload_bytes": settings.max_upload_bytes,
        "form_seconds": FORM_SECONDS,
    }
