# A generated inventory for the fault and crash tests: hosts.csv is written by the test, and
# var.generation changes every host, so each apply has work to do.

variable "generation" {
  type    = number
  default = 0
}

integration {
  type        = "e2e-inventory"
  instance_id = "e2e00000-0000-4000-8000-000000000002"
  key_prefix  = "inv"
}

locals {
  hosts = { for h in csvdecode(file("hosts.csv")) : h.id => h }
}

entity "team" "ops" {
  _class = "Team"
  name   = "ops"
  email  = "ops@example.com"
}

entity "host" "all" {
  for_each = local.hosts

  _class     = "Host"
  name       = each.value.hostname
  hostname   = each.value.hostname
  ipAddress  = each.value.ip
  rack       = each.value.rack
  generation = var.generation
}

relationship "ops_has_host" {
  for_each = local.hosts

  _class = "HAS"
  from   = entity.team.ops
  to     = entity.host.all[each.key]
}
