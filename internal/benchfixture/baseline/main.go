// Command baseline does the CSV inventory's work (benchfixture.CSVInventory) with nothing but
// Go's standard library and none of j1hcl: no HCL, validation, plan, state, compression or
// retries. It is the floor scripts/bench-baseline.sh sets beside j1hcl, to tell how much of
// j1hcl's growth from 100,000 to 1,000,000 objects is the machine's (caches, TLB, page
// faults and collections on heaps ten times larger) rather than j1hcl's.
//
//	baseline plan DIR        read DIR's teams.csv and hosts.csv, build every entity and
//	                         relationship as a map, index them by _key, sort them by _key
//	                         and encode each as JSON
//	baseline serve           listen on a free loopback port and print its address; hold the
//	                         objects POSTed to /upload by _key; /finalize links every
//	                         relationship to its entities
//	baseline apply DIR ADDR  build the objects as plan does, POST them to ADDR's /upload in
//	                         JSON batches of 250, two at a time, then POST /finalize
package main

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// object is one entity or relationship payload, as j1hcl uploads it.
type object = map[string]any

func main() {
	var err error
	switch {
	case len(os.Args) == 3 && os.Args[1] == "plan":
		err = plan(os.Args[2])
	case len(os.Args) == 2 && os.Args[1] == "serve":
		err = serve()
	case len(os.Args) == 4 && os.Args[1] == "apply":
		err = apply(os.Args[2], os.Args[3])
	default:
		err = errors.New("usage: baseline plan DIR | baseline serve | baseline apply DIR ADDR")
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "baseline:", err)
		os.Exit(1)
	}
}

// readCSV returns the rows of a CSV file as maps from its header's names.
func readCSV(path string) ([]map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var rows []map[string]string
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return rows, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		row := make(map[string]string, len(header))
		for i, name := range header {
			row[name] = rec[i]
		}
		rows = append(rows, row)
	}
}

// build returns the inventory's objects: a team entity per row of teams.csv, a host entity
// and a team HAS host relationship per row of hosts.csv, with the payloads j1hcl uploads.
func build(dir string) ([]object, error) {
	teams, err := readCSV(filepath.Join(dir, "teams.csv"))
	if err != nil {
		return nil, err
	}
	hosts, err := readCSV(filepath.Join(dir, "hosts.csv"))
	if err != nil {
		return nil, err
	}
	byKey := make(map[string]object, len(teams)+len(hosts))
	objects := make([]object, 0, len(teams)+2*len(hosts))
	add := func(o object) {
		byKey[o["_key"].(string)] = o
		objects = append(objects, o)
	}
	for _, t := range teams {
		add(object{"_key": "inv:team:" + t["id"], "_type": "team_asset-inventory", "_class": "Team",
			"name": t["id"], "displayName": t["name"], "email": t["email"]})
	}
	for _, h := range hosts {
		created, err := time.Parse(time.DateOnly, h["created"])
		if err != nil {
			return nil, err
		}
		add(object{"_key": "inv:host:" + h["id"], "_type": "host_asset-inventory", "_class": "Host",
			"name": h["hostname"], "displayName": h["hostname"], "hostname": h["hostname"], "ipAddress": h["ip"],
			"osType": h["os"], "isManaged": true, "createdOn": created.UnixMilli()})
	}
	for _, h := range hosts {
		from, to := byKey["inv:team:"+h["team"]], byKey["inv:host:"+h["id"]]
		if from == nil || to == nil {
			return nil, fmt.Errorf("host %s: no team %q", h["id"], h["team"])
		}
		fromKey, toKey := from["_key"].(string), to["_key"].(string)
		add(object{"_key": fromKey + "|has|" + toKey, "_type": "team_asset-inventory_has_host_asset-inventory", "_class": "HAS",
			"_fromEntityKey": fromKey, "_toEntityKey": toKey})
	}
	return objects, nil
}

func plan(dir string) error {
	n, err := encodeSorted(dir)
	if err == nil {
		fmt.Printf("%d objects\n", n)
	}
	return err
}

// encodeSorted builds dir's objects, sorts them by _key and encodes each as JSON, and returns
// how many there are.
func encodeSorted(dir string) (int, error) {
	objects, err := build(dir)
	if err != nil {
		return 0, err
	}
	slices.SortFunc(objects, func(a, b object) int { return strings.Compare(a["_key"].(string), b["_key"].(string)) })
	var out bytes.Buffer
	for _, o := range objects {
		data, err := json.Marshal(o)
		if err != nil {
			return 0, err
		}
		out.Write(data)
		if out.Len() > 1<<20 {
			out.Reset()
		}
	}
	return len(objects), nil
}

func apply(dir, addr string) error {
	answer, err := upload(dir, addr)
	if err == nil {
		fmt.Println(answer)
	}
	return err
}

// upload builds dir's objects, uploads them to the server at addr and finalizes; it returns
// the server's answer to the finalize.
func upload(dir, addr string) (string, error) {
	objects, err := build(dir)
	if err != nil {
		return "", err
	}
	client := &http.Client{Timeout: time.Minute}
	post := func(path string, body []byte) ([]byte, error) {
		resp, err := client.Post("http://"+addr+path, "application/json", bytes.NewReader(body))
		if err != nil {
			return nil, err
		}
		defer resp.Body.Close()
		answer, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("%s: %s: %s", path, resp.Status, answer)
		}
		return answer, err
	}
	batches := make(chan []object)
	errs := make(chan error, 2)
	var wg sync.WaitGroup
	for range 2 {
		wg.Go(func() {
			for batch := range batches {
				data, err := json.Marshal(batch)
				if err == nil {
					_, err = post("/upload", data)
				}
				if err != nil {
					errs <- err
					for range batches {
					}
					return
				}
			}
		})
	}
	for i := 0; i < len(objects); i += 250 {
		batches <- objects[i:min(i+250, len(objects))]
	}
	close(batches)
	wg.Wait()
	select {
	case err := <-errs:
		return "", err
	default:
	}
	answer, err := post("/finalize", nil)
	return string(answer), err
}

// record is a finalized object: its payload and, for a relationship, its entities.
type record struct {
	props    object
	from, to *record
	rels     []*record
}

func serve() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr())
	srv := &http.Server{Handler: handler(), ReadHeaderTimeout: 10 * time.Second}
	return srv.Serve(ln)
}

// handler is the bare server: /upload holds the objects of a JSON array by _key, /finalize
// links every relationship held to its entities and says how many of each it holds.
func handler() http.Handler {
	var mu sync.Mutex
	held := map[string]object{}
	var order []object
	mux := http.NewServeMux()
	mux.HandleFunc("POST /upload", func(w http.ResponseWriter, r *http.Request) {
		var batch []object
		if err := json.NewDecoder(io.LimitReader(r.Body, 64<<20)).Decode(&batch); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		for _, o := range batch {
			key, _ := o["_key"].(string)
			if held[key] == nil {
				order = append(order, o)
			}
			held[key] = o
		}
	})
	mux.HandleFunc("POST /finalize", func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		entities := make(map[string]*record, len(order))
		relationships := 0
		for _, o := range order {
			if _, ok := o["_fromEntityKey"]; !ok {
				key, _ := o["_key"].(string)
				entities[key] = &record{props: o}
			}
		}
		for _, o := range order {
			fromKey, ok := o["_fromEntityKey"].(string)
			if !ok {
				continue
			}
			toKey, _ := o["_toEntityKey"].(string)
			rel := &record{props: o, from: entities[fromKey], to: entities[toKey]}
			if rel.from == nil || rel.to == nil {
				http.Error(w, fmt.Sprintf("relationship %v: no entity at one end", o["_key"]), http.StatusBadRequest)
				return
			}
			rel.from.rels = append(rel.from.rels, rel)
			rel.to.rels = append(rel.to.rels, rel)
			relationships++
		}
		fmt.Fprintf(w, "%d entities, %d relationships", len(entities), relationships)
	})
	return mux
}
