// Package emulator is a local, persistent stand-in for JupiterOne's Sync API and J1QL reads,
// for demos and end-to-end tests.
//
// It serves the job routes under /persister/synchronization/jobs, J1QL reads over
// POST /graphql and GET /_emulator/graph, as sync-api.md specifies, validating uploads with
// the client's own platform rules (package validate). Where the platform is silent, or
// where the emulator models it, it chooses as follows.
//
// Access: with Config.APIKey set, every route but a deferred result's URL needs
// "Authorization: Bearer KEY", compared in constant time; otherwise 401 UNAUTHORIZED. With
// Config.Account set, a missing or different JupiterOne-Account header (or, without it, the
// legacy LifeOmic-Account) gets 403 ACCOUNT_MISMATCH: the key is valid, the account is not
// one it may act on. The legacy /integrations/ingest upload answers 404. A listen address off the loopback interface is refused
// unless Config.AllowRemote.
//
// Targets: a job of an integration source (integration-external, integration-managed) owns
// the graph of its integration instance; a job of source "api" owns its scope. A DIFF
// replaces exactly its target. A relationship endpoint, or a mapped relationship's source,
// resolves in the job's own target first, then anywhere in the graph when exactly one
// entity holds that _key. An endpoint another source owns may be named by _fromEntityId /
// _toEntityId, or by _key with _fromEntitySource and _fromEntityScope (likewise _to...),
// the scope being an api job's scope or an integration's instance id; both resolve against
// the whole graph. An endpoint that does not resolve keeps the relationship from being
// stored: it counts in numRelationshipCreateErrors (numRelationshipUpdateErrors when it
// replaced a stored one, which then stays as it was; the numMappedRelationship... error
// counters for mapped relationships).
//
// Jobs answer accountId (Config.Account, else null), integrationJobId (always null) and
// ignoreDuplicates besides the platform's fields. UNKNOWN is a status the platform may
// report and that is not terminal; the emulator never reports it.
//
// Uploads are atomic (all objects of a request or none) and idempotent: a _key may come
// again within a job only with an identical object (same kind, equal properties), which is
// accepted and not counted again, so a retried batch whose first attempt succeeded does not
// fail and numEntitiesUploaded counts distinct objects. A different object under a _key the
// job holds, entities and relationships together, gets 400 DUPLICATE_KEY, unless the job
// was started with "ignoreDuplicates": true: then the later object replaces it. /upload
// also takes deleteEntities and deleteRelationships (arrays of {"_id"} or {"_key",
// "_type"}), applied at finalize before the upload, in PATCH and DIFF alike; one that
// matches nothing counts in numEntityDeleteErrors or numRelationshipDeleteErrors. Objects are
// checked against J1P001–J1P005, and mapped relationships also against J1P009, since the
// mapper needs a valid direction, filter keys and target. A null list counts as absent;
// /entities and /relationships read only their own list.
//
// Finalize is idempotent: finalizing a job that is already finalizing or finished answers
// its current state. Finalizes apply one at a time (the graph has one writer), in the order
// they leave FINALIZE_PENDING, so concurrent jobs on one target are serialized and the last
// to apply wins. A finalize's changes become visible at once, when its job turns FINISHED;
// with a data file they are on disk by then, and a change that cannot be written is rolled
// back and its job ends ERROR_UNEXPECTED_FAILURE. DIFF counts a cascade of relationship
// deletions, in any target, in the job that deleted the entity. PATCH creates a new entity
// exactly as uploaded; on a stored one it writes the present properties, and null removes
// the property.
//
// Mapped relationships are stored as uploaded. Their target is the entity that their
// targetFilterKeys select: the sets are tried in order, a set matches when every one of its
// keys is equal in targetEntity and the entity (a list property matches a scalar it
// contains), and a real entity beats a placeholder, then the smallest _id wins. Without a
// match, the mapper creates a placeholder entity from targetEntity, owned by nobody's
// target ("_source": "system-mapper", "_placeholder": true), unless skipTargetCreation: then
// the relationship waits without _toEntityId and is linked by the first later finalize
// after which a match exists. A placeholder goes with its last relationship. Deleting an
// entity deletes every relationship attached to it, mapped ones included.
//
// Read-back metadata, beside the payload exactly as last uploaded: _id, _source, _scope
// (source api), _integrationInstanceId (integration sources), _accountId (with
// Config.Account), _createdOn, _beginOn (when the current version began), _version,
// _fromEntityId and _toEntityId (relationships), _placeholder.
//
// J1QL: FIND (* | ClassName | type_name) [AS a] [WITH prop = value [AND prop = value]...],
// then any number of THAT verb [AS r] (* | ClassName | type_name) [AS b] [WITH ...] steps,
// then RETURN TREE or RETURN a list of aliases and alias.property, then SKIP n and LIMIT n;
// keywords in any case. A word with an upper-case first letter and no "_" is a class (Host,
// CodeRepo); any other word is a type (aws_instance, host). Values are strings in single or
// double quotes, numbers (compared by value), true, false, or null/undefined (matching a
// missing or null property); a list property matches a value it contains; metadata such as
// _integrationInstanceId can be queried. A step follows relationships of the verb's _class
// (RELATES TO: any) in either direction, across every target. Without RETURN the answer is
// a "list" of the first step's entities that have a complete path; RETURN answers a "table"
// of distinct rows, an alias as the object flattened (payload plus metadata; a relationship
// also carries _fromEntityKey/_toEntityKey and, if mapped, its _mapping), alias.property as
// the value; RETURN TREE answers {"vertices", "edges"}. Other J1QL (OR, comparisons other
// than =, ORDER BY, negated or directed steps) is a syntax error, answered in GraphQL's
// errors array with HTTP 200. Pages hold 250 results in (_key, _id) order; the cursor is the
// position after the last one, so paging stays stable while the graph changes; SKIP applies
// to the first page. A traversal is computed once per graph change and its later pages
// come from a small cache; one matching more than 2,000,000 paths is refused.
//
// GraphQL: a single operation or a JSON array of them; unknown top-level keys are ignored;
// __typename is answered where a selection asks for it ("Query", "QueryV1Response"). With
// deferredResponse: FORCE the answer is {"type": "deferred", "url": U}; GET U needs no
// credentials (its 256-bit token is one), lives 10 minutes, answers {"status":
// "IN_PROGRESS", "url"} on the first fetch and then {"status": "COMPLETED", "url", "data":
// {"type", "data"}, "error": null}, with "cursor" (at the top and in data) only when a next
// page exists.
//
// Fault injection: Config.FailRate answers that share of upload, finalize and job status
// requests 503, half of them after the request took effect, as when an answer is lost.
// Config.RateLimit is a token bucket over every route (429 with Retry-After: 1 and
// RateLimit-Reset: 1; on /graphql, as on the platform, HTTP 200 with an error whose message
// names the 429), and Config.Latency delays every request.
//
// Limits: a request's headers and body must arrive within Config.ReadTimeout (a late body
// gets 408 REQUEST_TIMEOUT and the connection is closed; the handler sets this deadline
// itself, so it holds under any http.Server), its answer be written within WriteTimeout,
// and an idle keep-alive connection is closed after IdleTimeout. At most MaxJobsInFlight
// jobs await uploads; one more gets 429 TOO_MANY_JOBS_IN_FLIGHT unless a job has had no
// request for JobIdleTimeout, which is then aborted (event "job_expired") to make room. A
// job drops its uploads when it leaves AWAITING_UPLOADS (finalize, abort, expiry) and keeps
// its record and counters; the last 10,000 ended jobs are remembered.
//
// Jobs live in memory only; the data file holds the graph. The file is not locked: run one
// emulator per data file.
package emulator
