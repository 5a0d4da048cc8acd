"""SCIM 2.0 provisioning (docs/scim.md): identity providers drive joiners, updates and leavers
through the same rules, change plan and exactly-once application as a file row."""
