#!/usr/bin/env python3
"""Measures how fast bin/tinyphone-agi gets a call to the server.

Plays Asterisk: starts the relay with its stdin piped, writes an EAGI environment at once, and times the moment
a fake Tinyphone server (in this script) has received the relay's greeting and the whole environment. The
server then sends END and the relay exits; the total process lifetime is reported too.

  relay/scripts/relay-startup-bench.py [-n 40] [--variant NAME ...] [--relay bin/tinyphone-agi] [--baseline DIR]

Variants: script (bin/tinyphone-agi as Asterisk runs it), plain (java -cp jar, no flags),
c1 (java -XX:TieredStopAtLevel=1 -Xshare:auto, no AppCDS), fast (the script's flags without AppCDS),
baseline (with --baseline DIR: DIR/bin/tinyphone-agi with DIR's audio jar, e.g. a built `git worktree` of an
older commit, to compare a change with what came before in one interleaved run).
"""
import argparse, os, socket, statistics, struct, subprocess, sys, threading, time, glob, tempfile

ENV = (b"agi_request: tinyphone-agi\nagi_channel: Local/eagi@agi-test-00000011;2\nagi_language: en\n"
       b"agi_type: Local\nagi_uniqueid: 1795447226.35\nagi_version: 22.10.1\nagi_callerid: 15550001111\n"
       b"agi_calleridname: Carol\nagi_callingpres: 0\nagi_callingani2: 0\nagi_callington: 0\nagi_callingtns: 0\n"
       b"agi_dnid: 13605162099\nagi_rdnis: unknown\nagi_context: agi-test\nagi_extension: eagi\nagi_priority: 4\n"
       b"agi_enhanced: 1.0\nagi_accountcode: \nagi_threadid: 139868254590656\nagi_arg_1: hello tinyphone\n\n")

def read_exact(s, n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c: raise EOFError
        b += c
    return b

def serve(listener, arrivals):
    while True:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            buf = b""
            while not buf.endswith(b"\n"):
                buf += read_exact(conn, 1)
            assert buf == b"TINYPHONE-RELAY/1\n", buf
            got = b""
            while len(got) < len(ENV):
                t, n = struct.unpack(">BH", read_exact(conn, 3))
                payload = read_exact(conn, n)
                if t == 0x01: got += payload
            arrivals.append(time.monotonic_ns())
            assert got == ENV
            conn.sendall(b"\x14\x00\x00")
            try:
                while conn.recv(4096): pass
            except OSError:
                pass

def run(cmd, env, n, arrivals):
    """Runs the relay n times; returns (time until the server has the call, process lifetime, CPU) lists in ms."""
    started, total, cpu = [], [], []
    for i in range(n):
        before = len(arrivals)
        t0 = time.monotonic_ns()
        p = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        p.stdin.write(ENV); p.stdin.flush()
        out = p.stdout.read()
        err = p.stderr.read()
        _, status, usage = os.wait4(p.pid, 0)
        t2 = time.monotonic_ns()
        p.returncode = os.waitstatus_to_exitcode(status)
        cpu.append((usage.ru_utime + usage.ru_stime) * 1000)
        if p.returncode != 0 or len(arrivals) != before + 1:
            sys.exit(f"run {i} failed: rc={p.returncode} out={out!r} err={err.decode(errors='replace')}")
        if out:
            sys.exit(f"relay wrote to Asterisk's stdin: {out!r}")
        started.append((arrivals[-1] - t0) / 1e6)
        total.append((t2 - t0) / 1e6)
    return started, total, cpu

def summary(xs):
    xs = sorted(xs)
    return f"median {statistics.median(xs):6.1f} ms   p90 {xs[int(len(xs) * 0.9) - 1]:6.1f} ms   min {xs[0]:6.1f} ms"

def main():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=40)
    ap.add_argument("--variant", action="append")
    ap.add_argument("--relay", default=os.path.join(root, "bin", "tinyphone-agi"))
    ap.add_argument("--baseline", help="another built checkout of the project, run as the variant 'baseline'")
    a = ap.parse_args()

    def audio_jar(project):
        return [j for j in glob.glob(os.path.join(project, "relay", "target", "tinyphone-relay-*.jar"))
                if not j.endswith(("-sources.jar", "-tests.jar", "-javadoc.jar"))][0]
    jar = audio_jar(root)
    java = os.path.join(os.environ.get("JAVA_HOME", "/usr/lib/jvm/temurin-25-jdk-amd64"), "bin", "java")
    listener = socket.socket(); listener.bind(("127.0.0.1", 0)); listener.listen(50)
    arrivals = []
    threading.Thread(target=serve, args=(listener, arrivals), daemon=True).start()
    env = dict(os.environ, TINYPHONE_RELAY=f"127.0.0.1:{listener.getsockname()[1]}", TINYPHONE_AUDIO_FD="none")
    cache = tempfile.mkdtemp(prefix="tinyphone-bench-cache-")
    fast = ["-XX:TieredStopAtLevel=1", "-XX:CompileThresholdScaling=20", "-XX:+UseSerialGC", "-XX:-UsePerfData",
            "-Xms4m", "-Xmx64m", "-Xss512k", "-Xshare:auto", "-Djdk.reflect.useNativeAccessorOnly=true"]
    variants = {
        "script": ([a.relay], dict(env, TINYPHONE_CACHE_DIR=cache)),
        "plain": ([java, "-cp", jar, "org.tinyphone.relay.RelayMain"], env),
        "c1": ([java, "-XX:TieredStopAtLevel=1", "-Xshare:auto", "-cp", jar, "org.tinyphone.relay.RelayMain"], env),
        "fast": ([java] + fast + ["-cp", jar, "org.tinyphone.relay.RelayMain"], env),
    }
    if a.baseline:
        variants["baseline"] = ([os.path.join(a.baseline, "bin", "tinyphone-agi")],
                                dict(env, TINYPHONE_CACHE_DIR=tempfile.mkdtemp(prefix="tinyphone-bench-cache-base-"),
                                     TINYPHONE_RELAY_JAR=audio_jar(a.baseline)))
    names = a.variant or (["baseline", "script"] if a.baseline else ["plain", "c1", "fast", "script"])
    print(f"java: {java}   jar: {jar}   runs: {a.n} per variant, interleaved (after 3 warm-up runs each)   "
          f"cpus: {os.cpu_count()}   load average before: {os.getloadavg()[0]:.1f}")
    for name in names:
        run(*variants[name], 3, arrivals)  # warm-up (the script's first run writes the AppCDS archive)
    for name in ("script", "baseline"):  # on JDK 25+ the first call starts the AOT-cache training in the background
        if name not in names:
            continue
        c = variants[name][1]["TINYPHONE_CACHE_DIR"]
        deadline = time.time() + 60
        while time.time() < deadline and glob.glob(os.path.join(c, "*.aot.lock")) \
                and not glob.glob(os.path.join(c, "*.aot")):
            time.sleep(0.5)
        print(f"{name}'s class data: " + ", ".join(sorted(os.path.basename(f).rsplit(".", 1)[-1]
                                                         for f in glob.glob(os.path.join(c, "relay*")))))
    results = {name: ([], [], []) for name in names}
    for _ in range(a.n):  # round-robin, so every variant sees the same background load
        for name in names:
            for acc, xs in zip(results[name], run(*variants[name], 1, arrivals)):
                acc.extend(xs)
    for name in names:
        started, total, cpu = results[name]
        print(f"{name:8s} server has the call: {summary(started)}")
        print(f"{'':8s} process lifetime:    {summary(total)}")
        print(f"{'':8s} CPU (user+sys):      {summary(cpu)}")
    print(f"load average after: {os.getloadavg()[0]:.1f}")

if __name__ == "__main__":
    main()
