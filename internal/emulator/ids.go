package emulator

import (
	crand "crypto/rand"
	"math/rand/v2"
	"sync"

	"github.com/google/uuid"
)

// idSource makes the ids of jobs and objects: random (version 4) UUIDs, as the platform's,
// drawn from a ChaCha8 stream seeded once from crypto/rand. A large finalize makes millions
// of them; uuid.NewString reads the operating system's random source for each.
type idSource struct {
	mu  sync.Mutex
	rng *rand.ChaCha8
}

func newIDSource() *idSource {
	var seed [32]byte
	crand.Read(seed[:]) // never fails: the program crashes first
	return &idSource{rng: rand.NewChaCha8(seed)}
}

// next returns a new id. It is safe for concurrent use.
func (s *idSource) next() string {
	var u uuid.UUID
	s.mu.Lock()
	s.rng.Read(u[:]) // never fails; uuid.NewRandomFromReader would move u to the heap
	s.mu.Unlock()
	u[6] = u[6]&0x0f | 0x40 // version 4
	u[8] = u[8]&0x3f | 0x80 // the RFC 4122 variant
	return u.String()
}
