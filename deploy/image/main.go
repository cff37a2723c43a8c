// Command imagetool writes the relay's OCI image from root filesystem folders, with go-containerregistry, no daemon.
//
//	imagetool build SPEC.json    builds the image a spec describes (deploy/image/build.ts writes it)
//	imagetool verify ARCHIVE     reads an archive back as an OCI layout and as a docker tarball, and validates both
//
// Each layer is one folder made into a tar the same way every time: entries sorted by path, one fixed
// modification time, owner 0:0 unless the spec names another, no user or group names, no access or
// change times. The image is an OCI manifest and config. The archive holds the OCI image layout
// (oci-layout, index.json, blobs/) and a docker-archive manifest.json naming the same blobs, so
// `skopeo copy oci-archive:`, `crane push` and `docker load` all read the one file.
// Progress goes to stderr as JSON lines; the result (digests, sizes) to stdout as one JSON document.
package main

import (
	"archive/tar"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
	"github.com/google/go-containerregistry/pkg/v1/validate"
)

// LayerSpec is one layer: the folder that is its root, and the history line it gets in the config.
type LayerSpec struct {
	Dir       string `json:"dir"`
	CreatedBy string `json:"createdBy"`
	// Owners maps a path inside the layer ("home/nonroot") to its uid and gid; everything else is 0:0.
	Owners map[string][2]int `json:"owners,omitempty"`
}

// ImageConfig is the part of the OCI config the image sets.
type ImageConfig struct {
	Entrypoint   []string          `json:"entrypoint"`
	Cmd          []string          `json:"cmd,omitempty"`
	Env          []string          `json:"env"`
	User         string            `json:"user"`
	WorkingDir   string            `json:"workingDir"`
	ExposedPorts []string          `json:"exposedPorts,omitempty"`
	Labels       map[string]string `json:"labels"`
}

// Spec is what `imagetool build` reads.
type Spec struct {
	// Ref is the image's name and tag (ghcr.io/zeroloop/relay:0.1.0), written into the archive's indexes.
	Ref string `json:"ref"`
	// Created is the image's creation time and every file's modification time (RFC 3339).
	Created      string      `json:"created"`
	Architecture string      `json:"architecture"`
	OS           string      `json:"os"`
	Layers       []LayerSpec `json:"layers"`
	Config       ImageConfig `json:"config"`
	// LayoutDir receives the OCI image layout, Archive the tar of it (plus manifest.json).
	LayoutDir string `json:"layoutDir"`
	Archive   string `json:"archive"`
	// WorkDir holds the uncompressed layer tars while the image is written.
	WorkDir string `json:"workDir"`
}

// LayerResult is one layer as written.
type LayerResult struct {
	CreatedBy         string `json:"createdBy"`
	Digest            string `json:"digest"`
	DiffID            string `json:"diffId"`
	CompressedBytes   int64  `json:"compressedBytes"`
	UncompressedBytes int64  `json:"uncompressedBytes"`
	Files             int    `json:"files"`
}

// Result is what `imagetool build` prints.
type Result struct {
	Ref            string        `json:"ref"`
	ManifestDigest string        `json:"manifestDigest"`
	ConfigDigest   string        `json:"configDigest"`
	Layers         []LayerResult `json:"layers"`
	ArchiveBytes   int64         `json:"archiveBytes"`
}

func progress(event string, fields map[string]any) {
	line := map[string]any{"time": time.Now().UTC().Format(time.RFC3339Nano), "component": "imagetool", "event": event}
	for k, v := range fields {
		line[k] = v
	}
	b, _ := json.Marshal(line)
	fmt.Fprintln(os.Stderr, string(b))
}

func main() {
	if len(os.Args) != 3 || (os.Args[1] != "build" && os.Args[1] != "verify") {
		fmt.Fprintln(os.Stderr, "usage: imagetool build SPEC.json | imagetool verify ARCHIVE")
		os.Exit(2)
	}
	var err error
	if os.Args[1] == "build" {
		err = runBuild(os.Args[2])
	} else {
		err = runVerify(os.Args[2])
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "imagetool %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
}

func runBuild(specPath string) error {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		return err
	}
	var spec Spec
	if err := json.Unmarshal(raw, &spec); err != nil {
		return fmt.Errorf("%s: not a spec: %w", specPath, err)
	}
	created, err := time.Parse(time.RFC3339, spec.Created)
	if err != nil {
		return fmt.Errorf("%s: created: %w", specPath, err)
	}
	ref, err := name.NewTag(spec.Ref)
	if err != nil {
		return fmt.Errorf("%s: ref %q: %w", specPath, spec.Ref, err)
	}
	if err := os.MkdirAll(spec.WorkDir, 0o755); err != nil {
		return err
	}

	img := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	img = mutate.ConfigMediaType(img, types.OCIConfigJSON)
	var results []LayerResult
	for _, ls := range spec.Layers {
		started := time.Now()
		tarPath := filepath.Join(spec.WorkDir, fmt.Sprintf("layer-%d.tar", len(results)))
		files, err := writeLayerTar(ls, created, tarPath)
		if err != nil {
			return fmt.Errorf("layer %s: %w", ls.Dir, err)
		}
		layer, err := tarball.LayerFromFile(tarPath,
			tarball.WithMediaType(types.OCILayer),
			tarball.WithCompressionLevel(gzip.BestCompression),
			tarball.WithCompressedCaching)
		if err != nil {
			return fmt.Errorf("layer %s: %w", ls.Dir, err)
		}
		img, err = mutate.Append(img, mutate.Addendum{
			Layer:     layer,
			MediaType: types.OCILayer,
			History:   v1.History{Created: v1.Time{Time: created}, CreatedBy: ls.CreatedBy},
		})
		if err != nil {
			return err
		}
		r, err := describeLayer(layer, ls.CreatedBy, files)
		if err != nil {
			return err
		}
		results = append(results, r)
		progress("layer.done", map[string]any{"createdBy": ls.CreatedBy, "files": files, "digest": r.Digest,
			"compressedBytes": r.CompressedBytes, "uncompressedBytes": r.UncompressedBytes,
			"elapsedMs": time.Since(started).Milliseconds()})
	}

	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	cfg.Created = v1.Time{Time: created}
	cfg.Architecture = spec.Architecture
	cfg.OS = spec.OS
	cfg.Config.Entrypoint = spec.Config.Entrypoint
	cfg.Config.Cmd = spec.Config.Cmd
	cfg.Config.Env = spec.Config.Env
	cfg.Config.User = spec.Config.User
	cfg.Config.WorkingDir = spec.Config.WorkingDir
	cfg.Config.Labels = spec.Config.Labels
	if len(spec.Config.ExposedPorts) > 0 {
		cfg.Config.ExposedPorts = map[string]struct{}{}
		for _, p := range spec.Config.ExposedPorts {
			cfg.Config.ExposedPorts[p] = struct{}{}
		}
	}
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(spec.LayoutDir); err != nil {
		return err
	}
	lp, err := layout.Write(spec.LayoutDir, empty.Index)
	if err != nil {
		return err
	}
	annotations := map[string]string{
		// What skopeo's oci-archive:FILE:TAG and containerd's import read.
		"org.opencontainers.image.ref.name": ref.TagStr(),
		"io.containerd.image.name":          ref.Name(),
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(annotations)); err != nil {
		return err
	}
	// Read back from disk and recompute every digest and size (an in-memory image would compare
	// its own empty annotation maps with the written manifest's absent ones).
	written, err := layout.ImageIndexFromPath(spec.LayoutDir)
	if err != nil {
		return err
	}
	if err := validate.Index(written); err != nil {
		return fmt.Errorf("the written layout does not validate: %w", err)
	}
	progress("layout.done", map[string]any{"dir": spec.LayoutDir})

	manifestDigest, err := img.Digest()
	if err != nil {
		return err
	}
	configDigest, err := img.ConfigName()
	if err != nil {
		return err
	}
	dockerManifest := tarball.Manifest{{
		Config:   blobPath(configDigest),
		RepoTags: []string{ref.Name()},
	}}
	for _, r := range results {
		dockerManifest[0].Layers = append(dockerManifest[0].Layers, blobPath(mustHash(r.Digest)))
	}
	dm, err := json.Marshal(dockerManifest)
	if err != nil {
		return err
	}
	if err := writeArchive(spec.LayoutDir, dm, created, spec.Archive); err != nil {
		return fmt.Errorf("archive %s: %w", spec.Archive, err)
	}
	st, err := os.Stat(spec.Archive)
	if err != nil {
		return err
	}
	progress("archive.done", map[string]any{"archive": spec.Archive, "bytes": st.Size()})
	for i := range spec.Layers {
		_ = os.Remove(filepath.Join(spec.WorkDir, fmt.Sprintf("layer-%d.tar", i)))
	}
	return json.NewEncoder(os.Stdout).Encode(Result{
		Ref: ref.Name(), ManifestDigest: manifestDigest.String(), ConfigDigest: configDigest.String(),
		Layers: results, ArchiveBytes: st.Size(),
	})
}

func mustHash(s string) v1.Hash {
	h, err := v1.NewHash(s)
	if err != nil {
		panic(err)
	}
	return h
}

func blobPath(h v1.Hash) string { return "blobs/" + h.Algorithm + "/" + h.Hex }

func describeLayer(layer v1.Layer, createdBy string, files int) (LayerResult, error) {
	digest, err := layer.Digest()
	if err != nil {
		return LayerResult{}, err
	}
	diffID, err := layer.DiffID()
	if err != nil {
		return LayerResult{}, err
	}
	size, err := layer.Size()
	if err != nil {
		return LayerResult{}, err
	}
	rc, err := layer.Uncompressed()
	if err != nil {
		return LayerResult{}, err
	}
	defer rc.Close()
	uncompressed, err := io.Copy(io.Discard, rc)
	if err != nil {
		return LayerResult{}, err
	}
	return LayerResult{CreatedBy: createdBy, Digest: digest.String(), DiffID: diffID.String(),
		CompressedBytes: size, UncompressedBytes: uncompressed, Files: files}, nil
}

// writeLayerTar makes the folder ls.Dir into a tar at out, reproducibly; returns the number of entries.
func writeLayerTar(ls LayerSpec, mtime time.Time, out string) (int, error) {
	var paths []string
	err := filepath.WalkDir(ls.Dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != ls.Dir {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	sort.Strings(paths)
	f, err := os.Create(out)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	tw := tar.NewWriter(f)
	for _, p := range paths {
		rel, err := filepath.Rel(ls.Dir, p)
		if err != nil {
			return 0, err
		}
		rel = filepath.ToSlash(rel)
		owner := ls.Owners[rel]
		if err := addEntry(tw, p, rel, owner, mtime, false); err != nil {
			return 0, fmt.Errorf("%s: %w", rel, err)
		}
	}
	if err := tw.Close(); err != nil {
		return 0, err
	}
	return len(paths), f.Close()
}

// addEntry writes one file, folder or symlink; normalize sets 0644/0755 (the layout package writes
// some files 0600 or 0777), otherwise the file's own mode is kept.
func addEntry(tw *tar.Writer, path, rel string, owner [2]int, mtime time.Time, normalize bool) error {
	info, err := os.Lstat(path)
	if err != nil {
		return err
	}
	link := ""
	if info.Mode()&fs.ModeSymlink != 0 {
		if link, err = os.Readlink(path); err != nil {
			return err
		}
	}
	hdr, err := tar.FileInfoHeader(info, link)
	if err != nil {
		return err
	}
	hdr.Name = rel
	if info.IsDir() {
		hdr.Name += "/"
	}
	hdr.Uid, hdr.Gid = owner[0], owner[1]
	hdr.Uname, hdr.Gname = "", ""
	hdr.ModTime = mtime
	hdr.AccessTime, hdr.ChangeTime = time.Time{}, time.Time{}
	hdr.Format = tar.FormatPAX
	hdr.PAXRecords = nil
	if normalize {
		hdr.Mode = 0o644
		if info.IsDir() {
			hdr.Mode = 0o755
		}
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if !info.Mode().IsRegular() {
		return nil
	}
	src, err := os.Open(path)
	if err != nil {
		return err
	}
	defer src.Close()
	_, err = io.Copy(tw, src)
	return err
}

// writeArchive tars the OCI layout folder (sorted, fixed times) and adds the docker-archive manifest.json.
func writeArchive(layoutDir string, dockerManifest []byte, mtime time.Time, out string) error {
	tmp := out + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	defer os.Remove(tmp)
	tw := tar.NewWriter(f)
	var paths []string
	err = filepath.WalkDir(layoutDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != layoutDir {
			paths = append(paths, p)
		}
		return nil
	})
	if err != nil {
		return err
	}
	sort.Strings(paths)
	for _, p := range paths {
		rel, err := filepath.Rel(layoutDir, p)
		if err != nil {
			return err
		}
		if err := addEntry(tw, p, filepath.ToSlash(rel), [2]int{0, 0}, mtime, true); err != nil {
			return err
		}
	}
	hdr := &tar.Header{Name: "manifest.json", Mode: 0o644, Size: int64(len(dockerManifest)), ModTime: mtime,
		Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := tw.Write(dockerManifest); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return os.Rename(tmp, out)
}

// VerifyResult is what `imagetool verify` prints: the image as each reader sees it.
type VerifyResult struct {
	OCI    ImageView `json:"oci"`
	Docker ImageView `json:"docker"`
}

// ImageView is an image as read back.
type ImageView struct {
	ManifestDigest string            `json:"manifestDigest"`
	ConfigDigest   string            `json:"configDigest"`
	LayerDigests   []string          `json:"layerDigests"`
	LayerBytes     []int64           `json:"layerBytes"`
	RefName        string            `json:"refName,omitempty"`
	Config         v1.Config         `json:"config"`
	Annotations    map[string]string `json:"annotations,omitempty"`
}

func view(img v1.Image) (ImageView, error) {
	var v ImageView
	d, err := img.Digest()
	if err != nil {
		return v, err
	}
	c, err := img.ConfigName()
	if err != nil {
		return v, err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return v, err
	}
	layers, err := img.Layers()
	if err != nil {
		return v, err
	}
	v.ManifestDigest, v.ConfigDigest, v.Config = d.String(), c.String(), cfg.Config
	for _, l := range layers {
		ld, err := l.Digest()
		if err != nil {
			return v, err
		}
		size, err := l.Size()
		if err != nil {
			return v, err
		}
		v.LayerDigests = append(v.LayerDigests, ld.String())
		v.LayerBytes = append(v.LayerBytes, size)
	}
	return v, nil
}

// runVerify unpacks the archive's layout into a temporary folder and reads it with the layout package
// (as skopeo's oci-archive does), then reads the archive as a docker tarball (as crane push and docker
// load do); both are validated (every digest and size recomputed).
func runVerify(archive string) error {
	dir, err := os.MkdirTemp("", "imagetool-verify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	if err := untar(archive, dir); err != nil {
		return fmt.Errorf("%s: %w", archive, err)
	}
	idx, err := layout.ImageIndexFromPath(dir)
	if err != nil {
		return fmt.Errorf("%s: not an OCI image layout: %w", archive, err)
	}
	if err := validate.Index(idx); err != nil {
		return fmt.Errorf("%s: the OCI layout does not validate: %w", archive, err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		return err
	}
	if len(im.Manifests) != 1 {
		return fmt.Errorf("%s: index.json lists %d manifests, want 1", archive, len(im.Manifests))
	}
	ociImg, err := idx.Image(im.Manifests[0].Digest)
	if err != nil {
		return err
	}
	ociView, err := view(ociImg)
	if err != nil {
		return err
	}
	ociView.Annotations = im.Manifests[0].Annotations
	ociView.RefName = im.Manifests[0].Annotations["org.opencontainers.image.ref.name"]
	progress("verify.oci.done", map[string]any{"manifestDigest": ociView.ManifestDigest})

	dockerImg, err := tarball.ImageFromPath(archive, nil)
	if err != nil {
		return fmt.Errorf("%s: not a docker tarball: %w", archive, err)
	}
	if err := validate.Image(dockerImg); err != nil {
		return fmt.Errorf("%s: the docker tarball does not validate: %w", archive, err)
	}
	dockerView, err := view(dockerImg)
	if err != nil {
		return err
	}
	progress("verify.docker.done", map[string]any{"configDigest": dockerView.ConfigDigest})
	return json.NewEncoder(os.Stdout).Encode(VerifyResult{OCI: ociView, Docker: dockerView})
}

func untar(archive, dir string) error {
	f, err := os.Open(archive)
	if err != nil {
		return err
	}
	defer f.Close()
	tr := tar.NewReader(f)
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		clean := filepath.Clean(hdr.Name)
		if filepath.IsAbs(clean) || strings.HasPrefix(clean, "..") {
			return fmt.Errorf("entry %q leaves the archive", hdr.Name)
		}
		target := filepath.Join(dir, clean)
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			out, err := os.Create(target)
			if err != nil {
				return err
			}
			if _, err := io.Copy(out, tr); err != nil {
				out.Close()
				return err
			}
			if err := out.Close(); err != nil {
				return err
			}
		default:
			return fmt.Errorf("entry %q: unexpected type %c in an image archive", hdr.Name, hdr.Typeflag)
		}
	}
}
