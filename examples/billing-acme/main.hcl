# The example of JupiterOne's custom-integration guide, as code: a Team that owns the Slack
# Application, and the Application using an IAM role ingested by the AWS integration.

variable "instance_id" {
  type        = string
  description = "The custom integration instance this configuration owns."
  default     = "8e3b8c55-6bd6-4d5e-9f31-2c1a8d3e5b10"
}

integration {
  type        = "my-billing-acme"
  instance_id = var.instance_id
  key_prefix  = "billing-acme"
  sync_mode   = "DIFF"
}

entity "team" "engineering" {
  _class      = "Team"
  name        = "engineering"
  displayName = "Engineering"
  memberCount = 42
}

entity "application" "slack" {
  # The source system's stable id, not the default "billing-acme:application:slack".
  _key           = "billing-acme:app:00f4a812-1c4f-4d79-9c3c-aaa2efad8e1f"
  _class         = "Application"
  name           = "slack"
  displayName    = "Slack"
  category       = "communication"
  vendor         = "Slack Technologies"
  isSso          = true
  isMfaEnforced  = true
  userCount      = 142
  monthlyCostUsd = 1420.50
  createdOn      = epochms("2024-11-01T00:00:00Z")
  lastSeenOn     = epochms("2025-01-08")
  owner          = "platform-team@example.com"
  tags           = ["sanctioned", "tier-1"]

  lifecycle {
    prevent_destroy = true
  }
}

relationship "engineering_owns_slack" {
  _class = "OWNS"
  from   = entity.team.engineering
  to     = entity.application.slack
}

mapped_relationship "slack_uses_provisioner" {
  _key      = "billing-acme:app:slack|uses|aws-iam-role-1"
  _class    = "USES"
  from      = entity.application.slack
  direction = "FORWARD"
  target = {
    _type = "aws_iam_role"
    _key  = "arn:aws:iam::123456789012:role/SlackProvisioner"
  }
  target_filter_keys   = [["_type", "_key"]]
  skip_target_creation = true
}
