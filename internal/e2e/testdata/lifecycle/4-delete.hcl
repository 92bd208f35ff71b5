# Step 4: the host is deleted, and with it its relationship.

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

entity "application" "docs" {
  _key      = "e2e:application:wiki"
  _class    = "Application"
  name      = "wiki"
  owner     = "platform@example.com"
  userCount = 12
}

relationship "platform_owns_wiki" {
  _class = "OWNS"
  from   = entity.team.platform
  to     = entity.application.docs
}

mapped_relationship "wiki_uses_role" {
  _class = "USES"
  from   = entity.application.docs
  target = {
    _type = "aws_iam_role"
    _key  = "arn:aws:iam::123456789012:role/Wiki"
  }
}
