package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"
)

// The backup contract shared with the operator (docs/backup.md): object names in the backup folder and
// manifest.json format version 1. The operator's BackupManifest (Java) reads and writes the same bytes;
// both are tested against operator/src/test/resources/backup/manifest-v1.json.
const (
	BackupDataObject       = "data.xbstream.zst"
	BackupManifestObject   = "manifest.json"
	ManifestFormatVersion  = 1
	BackupFormatXbstream   = "xbstream"
	BackupCompressionZstd  = "zstd"
	EngineMariaDBGalera    = "mariadb-galera"
	EnginePerconaXtraDBCls = "percona-xtradb-cluster"
)

// Manifest is manifest.json. Written last, only once the data object is complete.
type Manifest struct {
	Stack         string
	Namespace     string
	Backup        string
	Engine        string
	ServerVersion string
	Node          string
	StartTime     time.Time
	EndTime       time.Time
	GaleraUUID    string
	GaleraSeqno   int64
	GTID          string // "" is written as null
	DataObject    string
	DataSize      int64
	DataSHA256    string
}

var (
	uuidRE   = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)
	sha256RE = regexp.MustCompile(`^[0-9a-f]{64}$`)
)

// Render writes the manifest in the one canonical form (Jackson's pretty printer, as the operator
// writes it): fixed key order, two-space indent, " : " between key and value, a final newline.
func (m Manifest) Render() []byte {
	var b bytes.Buffer
	str := func(s string) string { out, _ := json.Marshal(s); return string(out) }
	gtid := "null"
	if m.GTID != "" {
		gtid = str(m.GTID)
	}
	fmt.Fprintf(&b, "{\n")
	fmt.Fprintf(&b, "  \"formatVersion\" : %d,\n", ManifestFormatVersion)
	fmt.Fprintf(&b, "  \"stack\" : %s,\n", str(m.Stack))
	fmt.Fprintf(&b, "  \"namespace\" : %s,\n", str(m.Namespace))
	fmt.Fprintf(&b, "  \"backup\" : %s,\n", str(m.Backup))
	fmt.Fprintf(&b, "  \"engine\" : %s,\n", str(m.Engine))
	fmt.Fprintf(&b, "  \"serverVersion\" : %s,\n", str(m.ServerVersion))
	fmt.Fprintf(&b, "  \"node\" : %s,\n", str(m.Node))
	fmt.Fprintf(&b, "  \"startTime\" : %s,\n", str(instant(m.StartTime)))
	fmt.Fprintf(&b, "  \"endTime\" : %s,\n", str(instant(m.EndTime)))
	fmt.Fprintf(&b, "  \"position\" : {\n")
	fmt.Fprintf(&b, "    \"galeraUuid\" : %s,\n", str(m.GaleraUUID))
	fmt.Fprintf(&b, "    \"galeraSeqno\" : %d,\n", m.GaleraSeqno)
	fmt.Fprintf(&b, "    \"gtid\" : %s\n", gtid)
	fmt.Fprintf(&b, "  },\n")
	fmt.Fprintf(&b, "  \"data\" : {\n")
	fmt.Fprintf(&b, "    \"object\" : %s,\n", str(m.DataObject))
	fmt.Fprintf(&b, "    \"format\" : %s,\n", str(BackupFormatXbstream))
	fmt.Fprintf(&b, "    \"compression\" : %s,\n", str(BackupCompressionZstd))
	fmt.Fprintf(&b, "    \"size\" : %d,\n", m.DataSize)
	fmt.Fprintf(&b, "    \"sha256\" : %s\n", str(m.DataSHA256))
	fmt.Fprintf(&b, "  }\n")
	fmt.Fprintf(&b, "}\n")
	return b.Bytes()
}

// instant formats a time as Java's Instant.toString does for whole seconds (the manifest keeps seconds).
func instant(t time.Time) string {
	return t.UTC().Truncate(time.Second).Format("2006-01-02T15:04:05Z")
}

type manifestJSON struct {
	FormatVersion *int   `json:"formatVersion"`
	Stack         string `json:"stack"`
	Namespace     string `json:"namespace"`
	Backup        string `json:"backup"`
	Engine        string `json:"engine"`
	ServerVersion string `json:"serverVersion"`
	Node          string `json:"node"`
	StartTime     string `json:"startTime"`
	EndTime       string `json:"endTime"`
	Position      *struct {
		GaleraUUID  string  `json:"galeraUuid"`
		GaleraSeqno *int64  `json:"galeraSeqno"`
		GTID        *string `json:"gtid"`
	} `json:"position"`
	Data *struct {
		Object      string `json:"object"`
		Format      string `json:"format"`
		Compression string `json:"compression"`
		Size        *int64 `json:"size"`
		SHA256      string `json:"sha256"`
	} `json:"data"`
}

// ParseManifest reads and checks a manifest; every refusal names the field.
func ParseManifest(raw []byte) (Manifest, error) {
	var j manifestJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&j); err != nil {
		return Manifest{}, fmt.Errorf("manifest.json: %w", err)
	}
	if j.FormatVersion == nil {
		return Manifest{}, errors.New("manifest.json: formatVersion is missing")
	}
	if *j.FormatVersion != ManifestFormatVersion {
		return Manifest{}, fmt.Errorf("manifest.json: formatVersion %d is not supported (this agent reads %d)", *j.FormatVersion, ManifestFormatVersion)
	}
	if j.Position == nil || j.Data == nil {
		return Manifest{}, errors.New("manifest.json: position and data are required")
	}
	m := Manifest{Stack: j.Stack, Namespace: j.Namespace, Backup: j.Backup, Engine: j.Engine,
		ServerVersion: j.ServerVersion, Node: j.Node, GaleraUUID: j.Position.GaleraUUID,
		DataObject: j.Data.Object, DataSHA256: j.Data.SHA256}
	for _, f := range []struct{ name, v string }{{"stack", j.Stack}, {"namespace", j.Namespace},
		{"backup", j.Backup}, {"serverVersion", j.ServerVersion}, {"node", j.Node},
		{"data.object", j.Data.Object}} {
		if strings.TrimSpace(f.v) == "" {
			return Manifest{}, fmt.Errorf("manifest.json: %s is missing", f.name)
		}
	}
	if j.Engine != EngineMariaDBGalera && j.Engine != EnginePerconaXtraDBCls {
		return Manifest{}, fmt.Errorf("manifest.json: engine %q is not %s or %s", j.Engine, EngineMariaDBGalera, EnginePerconaXtraDBCls)
	}
	var err error
	if m.StartTime, err = time.Parse(time.RFC3339, j.StartTime); err != nil {
		return Manifest{}, fmt.Errorf("manifest.json: startTime %q is not RFC 3339", j.StartTime)
	}
	if m.EndTime, err = time.Parse(time.RFC3339, j.EndTime); err != nil {
		return Manifest{}, fmt.Errorf("manifest.json: endTime %q is not RFC 3339", j.EndTime)
	}
	if !uuidRE.MatchString(m.GaleraUUID) {
		return Manifest{}, fmt.Errorf("manifest.json: position.galeraUuid %q is not a UUID", m.GaleraUUID)
	}
	if j.Position.GaleraSeqno == nil || *j.Position.GaleraSeqno < 0 {
		return Manifest{}, errors.New("manifest.json: position.galeraSeqno is missing or negative")
	}
	m.GaleraSeqno = *j.Position.GaleraSeqno
	if j.Position.GTID != nil {
		m.GTID = *j.Position.GTID
	}
	if j.Data.Format != BackupFormatXbstream {
		return Manifest{}, fmt.Errorf("manifest.json: data.format %q is not %s", j.Data.Format, BackupFormatXbstream)
	}
	if j.Data.Compression != BackupCompressionZstd {
		return Manifest{}, fmt.Errorf("manifest.json: data.compression %q is not %s", j.Data.Compression, BackupCompressionZstd)
	}
	if j.Data.Size == nil || *j.Data.Size < 0 {
		return Manifest{}, errors.New("manifest.json: data.size is missing or negative")
	}
	m.DataSize = *j.Data.Size
	if !sha256RE.MatchString(m.DataSHA256) {
		return Manifest{}, fmt.Errorf("manifest.json: data.sha256 %q is not 64 lower-case hex digits", m.DataSHA256)
	}
	return m, nil
}
