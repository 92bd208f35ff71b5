# A hand-kept asset inventory: teams and hosts come from CSV files kept next to this
# configuration; every host is owned by its team.

variable "instance_id" {
  type        = string
  description = "The custom integration instance that owns this inventory."
  default     = "0f6c2a57-3f0e-4a53-8d4c-7a9b1e2c3d40"
}

integration {
  type        = "asset-inventory"
  instance_id = var.instance_id
  key_prefix  = "inv"

  rules {
    # The data model's Host requires 18 properties (deviceId, macAddresses, serial, …) that a
    # hand-kept spreadsheet does not have; every other data-model check stays on.
    J1D401 = "off"
  }
}

locals {
  teams = { for t in csvdecode(file("teams.csv")) : t.id => t }
  hosts = { for h in csvdecode(file("hosts.csv")) : h.id => h }
}

entity "team" "all" {
  for_each = local.teams

  _class       = "Team"
  name         = each.key
  displayName  = each.value.name
  email        = each.value.email
  slackChannel = each.value.slack
}

entity "host" "all" {
  for_each = local.hosts

  # The cloud provider's instance id is the stable key.
  _key        = "inv:host:${each.key}"
  _class      = "Host"
  name        = each.value.hostname
  hostname    = each.value.hostname
  ipAddress   = each.value.ip
  osType      = each.value.os
  environment = each.value.environment
  createdOn   = epochms(each.value.created)
  lastSeenOn  = epochms(each.value.last_seen)
}

relationship "team_has_host" {
  for_each = local.hosts

  _class = "HAS"
  from   = entity.team.all[each.value.team]
  to     = entity.host.all[each.key]
}
