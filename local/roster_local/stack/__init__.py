"""The embedded stack: the deployed template on moto, and what AWS enforces that moto does not:
SAM's expansion, the roles' policies and IAM checked call by call, and the service limits
(docs/deploy.md, "What is verified offline" and "Service limits")."""
