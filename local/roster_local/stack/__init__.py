"""The embedded stack's view of the deployed template: SAM's expansion, the roles' policies and
IAM checked call by call (docs/deploy.md, "What is verified offline")."""
