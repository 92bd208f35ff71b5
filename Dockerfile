# j1hcl as a container image: a static binary on distroless, run as a non-root user.
#
#   make image                      (docker, podman or buildah; VERSION from RELEASE_VERSION)
#   docker run --rm -v "$PWD:/work" -e JUPITERONE_API_KEY j1hcl:dev plan
#
# The configuration is mounted at /work, the working directory. The image holds nothing but the
# binary, CA certificates and time zone data: no shell, no package manager.

# Registries can be swapped for mirrors: --build-arg GO_IMAGE=… --build-arg BASE_IMAGE=….
ARG GO_IMAGE=docker.io/library/golang:1.26
ARG BASE_IMAGE=gcr.io/distroless/static-debian12:nonroot

FROM ${GO_IMAGE} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -buildvcs=false \
      -ldflags "-s -w -buildid= -X github.com/j1hcl/j1hcl/internal/command.Version=${VERSION}" \
      -o /out/j1hcl . \
 && /out/j1hcl version

FROM ${BASE_IMAGE}
COPY --from=build /out/j1hcl /usr/local/bin/j1hcl
COPY LICENSE /usr/share/doc/j1hcl/LICENSE
COPY internal/datamodel/schema/LICENSE /usr/share/doc/j1hcl/LICENSE.data-model
# nonroot is uid 65532; the mounted configuration must be writable by it for apply to record
# the state (or run with --user "$(id -u)").
USER nonroot:nonroot
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/j1hcl"]
CMD ["--help"]
