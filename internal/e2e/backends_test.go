package e2e_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/j1hcl/j1hcl/internal/backend"
	"github.com/j1hcl/j1hcl/internal/backend/backendtest"
	"github.com/j1hcl/j1hcl/internal/encryption"
	"github.com/j1hcl/j1hcl/internal/state"
)

// The secrets of the backend tests: none may appear in any output or file of a run.
const (
	httpPassword     = "e2e-http-password-7f31"
	statePassphrase  = "e2e-state-passphrase-91c2"
	wrongPassphrase  = "e2e-wrong-passphrase-0d4e"
	wrongS3Secret    = "e2e-wrong-s3-secret-55aa"
	wrongHTTPPasword = "e2e-wrong-http-password-12"
	wrongPGPassword  = "e2e-wrong-pg-password-93"
)

// stateBackend is one kind of backend as the end-to-end tests use it.
type stateBackend struct {
	name string
	// place configures a workspace to keep its state in a fresh place of this kind and
	// returns a client of that place, for the test to look at what is stored.
	place func(t *testing.T, w *workspace) backend.Backend
	// lockSurvivesKill is true when a killed holder leaves its lock for force-unlock (the
	// PostgreSQL lock ends with the holder's session).
	lockSurvivesKill bool
}

var places atomic.Int32

func backendsUnderTest() []stateBackend {
	return []stateBackend{
		{name: "local", lockSurvivesKill: true, place: func(t *testing.T, w *workspace) backend.Backend {
			return backend.NewLocal(w.path("j1hcl.state.json"))
		}},
		{name: "encrypted local", lockSurvivesKill: true, place: func(t *testing.T, w *workspace) backend.Backend {
			w.env = append(w.env, "J1HCL_STATE_PASSPHRASE="+statePassphrase)
			b, err := backend.NewEncrypted(backend.NewLocal(w.path("j1hcl.state.json")), statePassphrase)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
		{name: "s3", lockSurvivesKill: true, place: func(t *testing.T, w *workspace) backend.Backend {
			srv := backendtest.S3(t)
			bucket := srv.NewBucket(t)
			key := fmt.Sprintf("teams/%d/j1hcl.state.json", places.Add(1))
			w.write("backend.hcl", fmt.Appendf(nil, "backend \"s3\" {\n  bucket         = %q\n  key            = %q\n  region         = %q\n  endpoint       = %q\n  use_path_style = true\n}\n",
				bucket, key, srv.Region, srv.Endpoint))
			w.env = append(w.env, "AWS_ACCESS_KEY_ID="+srv.AccessKey, "AWS_SECRET_ACCESS_KEY="+srv.SecretKey, "AWS_EC2_METADATA_DISABLED=true")
			b, err := backend.NewS3(context.Background(), backend.S3Config{Bucket: bucket, Key: key, Region: srv.Region, Endpoint: srv.Endpoint, UsePathStyle: true, Credentials: srv.Credentials()})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
		{name: "pg", place: func(t *testing.T, w *workspace) backend.Backend {
			conn := backendtest.Postgres(t)
			schema := fmt.Sprintf("e2e_%d", places.Add(1))
			w.write("backend.hcl", fmt.Appendf(nil, "backend \"pg\" {\n  schema_name = %q\n}\n", schema))
			w.env = append(w.env, "PG_CONN_STR="+conn)
			b, err := backend.NewPostgres(backend.PGConfig{ConnStr: conn, SchemaName: schema})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			return b
		}},
		{name: "http", lockSurvivesKill: true, place: func(t *testing.T, w *workspace) backend.Backend {
			srv := backendtest.HTTPState(t, "ci", httpPassword)
			w.write("backend.hcl", fmt.Appendf(nil, "backend \"http\" {\n  address        = %q\n  lock_address   = %q\n  unlock_address = %q\n  username       = \"ci\"\n}\n", srv.URL, srv.URL, srv.URL))
			w.env = append(w.env, "J1HCL_HTTP_PASSWORD="+httpPassword)
			b, err := backend.NewHTTP(backend.HTTPConfig{Address: srv.URL, LockAddress: srv.URL, UnlockAddress: srv.URL, Username: "ci", Password: httpPassword})
			if err != nil {
				t.Fatal(err)
			}
			return b
		}},
	}
}

// storedState reads what the backend holds; nil when it holds nothing.
func storedState(t *testing.T, b backend.Backend) *state.File {
	t.Helper()
	f, err := backend.ReadState(context.Background(), b)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// assertNoSecrets looks for every secret in every output of the workspace's runs and in
// every file under its folder.
func assertNoSecrets(t *testing.T, w *workspace, extra ...[]byte) {
	t.Helper()
	secrets := []string{apiKey, httpPassword, statePassphrase, wrongPassphrase, wrongS3Secret, wrongHTTPPasword, wrongPGPassword, backendtest.PostgresPassword, backendtest.S3SecretKey}
	check := func(where string, data []byte) {
		for _, s := range secrets {
			if bytes.Contains(data, []byte(s)) {
				t.Errorf("%s contains a secret (%.6s…)", where, s)
			}
		}
	}
	for i, out := range w.outputs {
		check(fmt.Sprintf("output %d", i), []byte(out))
	}
	_ = filepath.WalkDir(w.dir, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(path)
			check(path, data)
		}
		return nil
	})
	for i, data := range extra {
		check(fmt.Sprintf("stored document %d", i), data)
	}
}

// TestBackendsApply runs the apply lifecycle against every backend: the state lands in the
// backend and equals the emulator's graph, a held lock is refused naming its holder,
// -lock-timeout waits for it, force-unlock releases it, state pull prints it and a saved plan
// made before another apply is refused as stale.
func TestBackendsApply(t *testing.T) {
	t.Parallel()
	for _, k := range backendsUnderTest() {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			emu := startEmulator(t)
			w := newWorkspace(t, emu)
			store := k.place(t, w)
			writeInventory(w, 20)

			w.must("init")
			w.must("apply", "-auto-approve", "-var=generation=1")
			f := storedState(t, store)
			if f == nil || f.Serial != 1 || f.PendingJob != nil {
				t.Fatalf("the backend holds %+v after apply", f)
			}
			assertSame(t, "stored state", canonical(f.Graph()), "emulator graph", emu.graph(t, inventoryInstance))
			if k.name != "local" && k.name != "encrypted local" {
				if _, err := os.Stat(w.path("j1hcl.state.json")); !errors.Is(err, fs.ErrNotExist) {
					t.Error("a local state file was written though the state lives in the backend")
				}
			}
			pull := w.must("state", "pull")
			if !strings.Contains(pull.stdout, f.Lineage) || !strings.Contains(pull.stdout, `"serial": 1`) {
				t.Errorf("state pull printed %q", pull.stdout)
			}

			// A plan saved now is stale once the next apply has run.
			w.must("plan", "-var=generation=3", "-out=stale.j1plan")
			// A lock held elsewhere: refused at once naming the holder, nothing sent.
			held, err := backend.Acquire(ctx, store, "test holder", 0)
			if err != nil {
				t.Fatal(err)
			}
			jobs := emu.startJobs()
			r := w.run("apply", "-auto-approve", "-var=generation=2")
			assertContains(t, r, r.stderr, "the state is locked", held.Info().ID, `"test holder"`)
			if emu.startJobs() != jobs {
				t.Error("apply under a held lock started a job")
			}
			// -lock-timeout waits for it.
			go func() {
				time.Sleep(time.Second)
				_ = held.Unlock(ctx)
			}()
			w.must("apply", "-auto-approve", "-var=generation=2", "-lock-timeout=60s")
			if f := storedState(t, store); f.Serial != 2 {
				t.Errorf("serial %d after the second apply, want 2", f.Serial)
			}
			r = w.run("apply", "-auto-approve", "stale.j1plan")
			if r.code != 1 || !strings.Contains(r.stderr, "stale") {
				t.Errorf("a stale saved plan was not refused: %s", r)
			}
			// force-unlock releases a lock whose holder is gone.
			info := backend.NewLockInfo("abandoned", time.Now())
			if err := store.Lock(ctx, info); err != nil {
				t.Fatal(err)
			}
			if k.name == "pg" {
				store.Close() // the holder's session ends; its record stays until force-unlock
			}
			w.must("force-unlock", "-force", info.ID)
			w.must("apply", "-auto-approve", "-var=generation=3")
			assertStoredConverged(t, w, store, "-var=generation=3")
			data, _ := store.Get(ctx)
			assertNoSecrets(t, w, data)
		})
	}
}

// TestBackendsRace runs two applies at once on one backend, twenty rounds: each round one
// of them runs the job and the other waits for the lock and then finds nothing to do, so
// exactly one job per round is started, the serial grows by one per round, no update is lost
// and the stored state equals the emulator's graph.
func TestBackendsRace(t *testing.T) {
	t.Parallel()
	const rounds = 20
	for _, k := range backendsUnderTest() {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			emu := startEmulator(t)
			w := newWorkspace(t, emu)
			store := k.place(t, w)
			writeInventory(w, 10)
			for round := 1; round <= rounds; round++ {
				jobs := emu.startJobs()
				gen := fmt.Sprintf("-var=generation=%d", round)
				var wg sync.WaitGroup
				results := make([]result, 2)
				for i := range results {
					wg.Go(func() {
						cmd := w.command(nil, "apply", "-auto-approve", "-compact", "-lock-timeout=120s", gen)
						var stdout, stderr bytes.Buffer
						cmd.Stdout, cmd.Stderr = &stdout, &stderr
						err := cmd.Run()
						results[i] = result{args: cmd.Args[1:], stdout: stdout.String(), stderr: stderr.String()}
						if err != nil {
							results[i].code = 1
						}
					})
				}
				wg.Wait()
				for _, r := range results {
					w.outputs = append(w.outputs, r.stdout, r.stderr)
					if r.code != 0 {
						t.Fatalf("round %d: %s", round, r)
					}
				}
				if got := emu.startJobs() - jobs; got != 1 {
					t.Fatalf("round %d: %d jobs started, want exactly 1\n%s\n%s", round, got, results[0], results[1])
				}
				f := storedState(t, store)
				if f == nil || f.Serial != uint64(round) || f.PendingJob != nil {
					t.Fatalf("round %d: stored state %+v, want serial %d and no pending job", round, f, round)
				}
			}
			f := storedState(t, store)
			assertSame(t, "stored state", canonical(f.Graph()), "emulator graph", emu.graph(t, inventoryInstance))
			assertNoSecrets(t, w)
		})
	}
}

// TestBackendsKilledAfterFinalize kills apply (SIGKILL) once the job is finalized and before
// the state records its outcome; the stored state then records the job as pending, and the
// next apply completes the record and converges.
func TestBackendsKilledAfterFinalize(t *testing.T) {
	t.Parallel()
	for _, k := range backendsUnderTest() {
		t.Run(k.name, func(t *testing.T) {
			t.Parallel()
			emu := startEmulator(t, "--finalize-delay", "1s")
			w := newWorkspace(t, emu)
			store := k.place(t, w)
			writeInventory(w, 10)
			cmd := w.command(nil, "apply", "-auto-approve", "-compact", "-var=generation=1")
			out := &lockedBuffer{}
			cmd.Stdout, cmd.Stderr = out, out
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			deadline := time.Now().Add(60 * time.Second)
			for !strings.Contains(out.String(), "Finalizing job") {
				if time.Now().After(deadline) {
					kill(cmd)
					t.Fatalf("apply never finalized:\n%s", out)
				}
				time.Sleep(5 * time.Millisecond)
			}
			kill(cmd)
			f := storedState(t, store)
			if f == nil || f.PendingJob == nil {
				t.Fatalf("after the kill the backend holds %+v, want a pending job", f)
			}
			ctx := context.Background()
			holder, err := store.LockHolder(ctx)
			switch {
			case k.lockSurvivesKill && err != nil:
				t.Fatalf("the killed apply's lock: %v", err)
			case k.lockSurvivesKill:
				w.must("force-unlock", "-force", holder.ID)
			}
			r := w.must("apply", "-auto-approve", "-compact", "-var=generation=1")
			assertContains(t, r, r.stderr+r.stdout, f.PendingJob.ID)
			f = storedState(t, store)
			if f.PendingJob != nil || f.Serial != 1 {
				t.Fatalf("after recovery the backend holds serial %d, pending %v", f.Serial, f.PendingJob)
			}
			assertStoredConverged(t, w, store, "-var=generation=1")
		})
	}
}

// TestBackendFaults: a backend that cannot be reached, or refuses the credentials, fails the
// command before anything is sent to JupiterOne; a wrong passphrase is an error, never an
// empty state; a migration refuses a destination holding another lineage. No secret shows.
func TestBackendFaults(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t)
	refused := func(t *testing.T, w *workspace, want string) {
		t.Helper()
		r := w.run("apply", "-auto-approve", "-var=generation=1")
		if r.code != 1 || !strings.Contains(r.stderr, want) {
			t.Errorf("apply = %s, want exit 1 saying %q", r, want)
		}
		assertNoSecrets(t, w)
	}
	t.Run("unreachable", func(t *testing.T) {
		for _, cfg := range []string{
			"backend \"s3\" {\n  bucket = \"b\"\n  key = \"k\"\n  region = \"us-east-1\"\n  endpoint = \"http://127.0.0.1:1\"\n  use_path_style = true\n}\n",
			"backend \"pg\" {\n  conn_str = \"postgres://u@127.0.0.1:1/db?sslmode=disable&connect_timeout=3\"\n}\n",
			"backend \"http\" {\n  address = \"http://127.0.0.1:1/state\"\n  retry_max = 0\n}\n",
		} {
			jobs := emu.startJobs()
			w := newWorkspace(t, emu)
			writeInventory(w, 5)
			w.write("backend.hcl", []byte(cfg))
			w.env = append(w.env, "AWS_ACCESS_KEY_ID=k", "AWS_SECRET_ACCESS_KEY="+wrongS3Secret, "AWS_EC2_METADATA_DISABLED=true")
			refused(t, w, "connect")
			if emu.startJobs() != jobs {
				t.Errorf("%s: a job was started though the backend is unreachable", cfg)
			}
		}
	})
	t.Run("wrong credentials", func(t *testing.T) {
		s3 := backendsUnderTest()[2]
		w := newWorkspace(t, emu)
		s3.place(t, w)
		writeInventory(w, 5)
		w.env = append(w.env, "AWS_SECRET_ACCESS_KEY="+wrongS3Secret)
		refused(t, w, "S3 refused the credentials")

		h := backendsUnderTest()[4]
		w = newWorkspace(t, emu)
		h.place(t, w)
		writeInventory(w, 5)
		w.env = append(w.env, "J1HCL_HTTP_PASSWORD="+wrongHTTPPasword)
		refused(t, w, "refused the credentials")

		// PostgreSQL: a role that must log in with a password, given a wrong one through
		// PGPASSWORD, as libpq's environment allows.
		conn, err := url.Parse(backendtest.Postgres(t))
		if err != nil {
			t.Fatal(err)
		}
		conn.User = url.User(backendtest.PasswordRole)
		w = newWorkspace(t, emu)
		writeInventory(w, 5)
		w.write("backend.hcl", []byte("backend \"pg\" {\n  conn_str = \""+conn.String()+"\"\n}\n"))
		w.env = append(w.env, "PGPASSWORD="+wrongPGPassword)
		jobs := emu.startJobs()
		refused(t, w, "password authentication failed")
		if emu.startJobs() != jobs {
			t.Error("a job was started though PostgreSQL refused the credentials")
		}
	})
	t.Run("wrong passphrase", func(t *testing.T) {
		w := newWorkspace(t, emu)
		writeInventory(w, 5)
		w.env = append(w.env, "J1HCL_STATE_PASSPHRASE="+statePassphrase)
		w.must("apply", "-auto-approve", "-var=generation=1")
		// Saved plans are encrypted too.
		w.must("plan", "-var=generation=2", "-out=p.j1plan")
		if plan := w.readFile("p.j1plan"); !encryption.IsSealed(plan) || bytes.Contains(plan, []byte("example.com")) {
			t.Errorf("the saved plan is not encrypted:\n%.300s", plan)
		}
		before := w.stateBytes()
		jobs := emu.startJobs()
		w.env = append(w.env, "J1HCL_STATE_PASSPHRASE="+wrongPassphrase)
		if r := w.run("apply", "p.j1plan"); r.code != 1 || !strings.Contains(r.stderr, "passphrase does not open it") {
			t.Errorf("apply of an encrypted plan with a wrong passphrase = %s", r)
		}
		refused(t, w, "passphrase does not open it")
		r := w.run("state", "list")
		if r.code != 1 || !strings.Contains(r.stderr, "passphrase") {
			t.Errorf("state list with a wrong passphrase = %s", r)
		}
		if emu.startJobs() != jobs || !bytes.Equal(w.stateBytes(), before) {
			t.Error("a wrong passphrase started a job or changed the state")
		}
		assertNoSecrets(t, w)
	})
	t.Run("migration to another lineage", func(t *testing.T) {
		// A state of this configuration in a local file, and another one already in S3.
		s3 := backendsUnderTest()[2]
		other := newWorkspace(t, emu)
		s3.place(t, other)
		writeInventory(other, 3)
		other.must("apply", "-auto-approve", "-var=generation=1")

		w := newWorkspace(t, emu)
		writeInventory(w, 5)
		w.must("apply", "-auto-approve", "-var=generation=2")
		w.write("backend.hcl", other.readFile("backend.hcl"))
		w.env = other.env
		before := storedStateBytes(t, other)
		r := w.run("init", "-migrate-state", "-force-copy")
		if r.code != 1 || !strings.Contains(r.stderr, "another lineage") {
			t.Errorf("migration onto another lineage = %s", r)
		}
		if !bytes.Equal(storedStateBytes(t, other), before) {
			t.Error("the refused migration changed the destination")
		}
		// Into an empty place it works, and the backend then holds the local state.
		fresh := newWorkspace(t, emu)
		store := s3.place(t, fresh)
		w.write("backend.hcl", fresh.readFile("backend.hcl"))
		w.env = fresh.env
		w.must("init", "-migrate-state", "-force-copy")
		if f := storedState(t, store); f == nil || f.Serial != 1 {
			t.Errorf("after migration the backend holds %+v", f)
		}
		w.must("plan", "-var=generation=2", "-detailed-exitcode")
		assertNoSecrets(t, w)
	})
}

// assertStoredConverged checks that the emulator holds the desired graph and the backend a
// state recording exactly that, with no pending job.
func assertStoredConverged(t *testing.T, w *workspace, store backend.Backend, exportArgs ...string) {
	t.Helper()
	want := w.desired(exportArgs...)
	assertSame(t, "emulator graph", w.emu.graph(t, inventoryInstance), "desired graph", want)
	f := storedState(t, store)
	if f == nil {
		t.Fatal("the backend holds no state")
	}
	if f.PendingJob != nil {
		t.Errorf("the state still records job %s as pending", f.PendingJob.ID)
	}
	assertSame(t, "stored state", canonical(f.Graph()), "desired graph", want)
}

func (w *workspace) readFile(name string) []byte {
	w.t.Helper()
	data, err := os.ReadFile(w.path(name))
	if err != nil {
		w.t.Fatal(err)
	}
	return data
}

// storedStateBytes reads the raw state document of a workspace through its CLI.
func storedStateBytes(t *testing.T, w *workspace) []byte {
	t.Helper()
	return []byte(w.must("state", "pull").stdout)
}

// TestBackendUnwritableAtTheFinalWrite: the backend accepts the pending record, then fails
// every write after finalize. The apply fails saying the job is pending and how to recover;
// the backend keeps the pending record; once it accepts writes again the next command records
// the job's outcome and the state converges.
func TestBackendUnwritableAtTheFinalWrite(t *testing.T) {
	t.Parallel()
	emu := startEmulator(t, "--finalize-delay", "1s")
	w := newWorkspace(t, emu)
	srv := backendtest.HTTPState(t, "ci", httpPassword)
	w.write("backend.hcl", fmt.Appendf(nil, "backend \"http\" {\n  address        = %q\n  lock_address   = %q\n  unlock_address = %q\n  username       = \"ci\"\n  retry_max      = 1\n  retry_wait_min = 0\n}\n", srv.URL, srv.URL, srv.URL))
	w.env = append(w.env, "J1HCL_HTTP_PASSWORD="+httpPassword)
	store, err := backend.NewHTTP(backend.HTTPConfig{Address: srv.URL, LockAddress: srv.URL, UnlockAddress: srv.URL, Username: "ci", Password: httpPassword})
	if err != nil {
		t.Fatal(err)
	}
	writeInventory(w, 10)

	cmd := w.command(nil, "apply", "-auto-approve", "-compact", "-var=generation=1")
	out := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for !strings.Contains(out.String(), "Finalizing job") {
		if time.Now().After(deadline) {
			kill(cmd)
			t.Fatalf("apply never finalized:\n%s", out)
		}
		time.Sleep(5 * time.Millisecond)
	}
	srv.FailUpdates(true)
	err = cmd.Wait()
	w.outputs = append(w.outputs, out.String())
	if err == nil || !strings.Contains(out.String(), "FINISHED, but the state could not be written") ||
		!strings.Contains(out.String(), "run any j1hcl command") {
		t.Fatalf("apply with an unwritable backend at the end: %v\n%s", err, out)
	}
	f := storedState(t, store)
	if f == nil || f.PendingJob == nil {
		t.Fatalf("the backend lost the pending record: %+v", f)
	}
	srv.FailUpdates(false)
	holder, err := store.LockHolder(context.Background())
	if err == nil {
		w.must("force-unlock", "-force", holder.ID)
	}
	r := w.must("plan", "-var=generation=1")
	assertContains(t, r, r.stderr+r.stdout, f.PendingJob.ID, "No changes")
	assertStoredConverged(t, w, store, "-var=generation=1")
	assertNoSecrets(t, w)
}
