# Step 1 of the lifecycle: a team, an application and a host, two relationships and a
# mapped relationship to an IAM role of another integration.

integration {
  type        = "e2e-lifecycle"
  instance_id = "e2e00000-0000-4000-8000-000000000001"
  key_prefix  = "e2e"
}

entity "team" "platform" {
  _class      = "Team"
  name        = "platform"
  displayName = "Platform"
  email       = "platform@example.com"
}

entity "application" "wiki" {
  _class    = "Application"
  name      = "wiki"
  owner     = "platform@example.com"
  userCount = 10
}

entity "host" "web" {
  _class   = "Host"
  name     = "web"
  hostname = "web.example.com"
}

relationship "platform_owns_wiki" {
  _class = "OWNS"
  from   = entity.team.platform
  to     = entity.application.wiki
}

relationship "platform_has_web" {
  _class = "HAS"
  from   = entity.team.platform
  to     = entity.host.web
}

mapped_relationship "wiki_uses_role" {
  _class = "USES"
  from   = entity.application.wiki
  target = {
    _type = "aws_iam_role"
    _key  = "arn:aws:iam::123456789012:role/Wiki"
  }
}
