# Step 5: the application and its relationships leave the configuration, and the team's
# displayName changes. A PATCH job updates the team and deletes nothing; a DIFF job then
# deletes the application and its relationships.

integration {
  type        = "e2e-lifecycle"
  instance_id = "e2e00000-0000-4000-8000-000000000001"
  key_prefix  = "e2e"
}

entity "team" "platform" {
  _class      = "Team"
  name        = "platform"
  displayName = "Platform Team"
  email       = "platform@example.com"
}
