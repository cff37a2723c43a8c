// parseDockerfile should read the instructions deploy/Dockerfile uses and refuse, by name, what it does not read.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DockerfileUnsupported, parseDockerfile } from './dockerfile.ts';

test('parseDockerfile should read stages, ARG substitution, COPY flags, ENV pairs, exec-form ENTRYPOINT', () => {
  const parsed = parseDockerfile(`# comment
ARG V=1.2
FROM node:\${V}-slim AS build
RUN a \\
  b
COPY --from=x --chown=0:0 /a /b/
FROM scratch
ENV A=1 B="two words"
USER 1:2
WORKDIR /w
EXPOSE 80 53/udp
ENTRYPOINT ["x", "y"]
`);
  assert.deepEqual(parsed.args, { V: '1.2' });
  const [build, last] = parsed.stages;
  assert.ok(build !== undefined && last !== undefined);
  assert.equal(build.image, 'node:1.2-slim');
  assert.equal(build.name, 'build');
  assert.deepEqual(build.runs, ['a b']);
  assert.deepEqual(build.copies, [
    { op: 'COPY', runsBefore: 1, sources: ['/a'], dest: '/b/', from: 'x', chown: '0:0' },
  ]);
  assert.deepEqual(last.env, ['A=1', 'B=two words']);
  assert.deepEqual(
    [last.user, last.workdir, last.expose, last.entrypoint],
    ['1:2', '/w', ['80/tcp', '53/udp'], ['x', 'y']],
  );
});

test('parseDockerfile should refuse a shell-form ENTRYPOINT, an instruction it does not read, and one before FROM', () => {
  assert.throws(
    () => parseDockerfile('FROM a\nENTRYPOINT node x.js\n', 'D'),
    /D: only the exec \(JSON array\) form/,
  );
  assert.throws(() => parseDockerfile('FROM a\nHEALTHCHECK NONE\n', 'D'), DockerfileUnsupported);
  assert.throws(() => parseDockerfile('USER 1\n', 'D'), /an instruction before FROM/);
});
