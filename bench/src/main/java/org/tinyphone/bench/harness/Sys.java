package org.tinyphone.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** What the harness reads from the OS: CPU time, RSS, descriptors and threads of a process from /proc, the java binary, taskset. */
public final class Sys {
    private Sys() {}

    private static final long CLK_TCK = clockTicks();
    private static Boolean taskset;

    private static long clockTicks() {
        try {
            Process p = new ProcessBuilder("getconf", "CLK_TCK").redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes()).trim();
            p.waitFor();
            return Long.parseLong(out);
        } catch (Exception e) {
            return 100;
        }
    }

    public static synchronized boolean hasTaskset() {
        if (taskset == null) {
            taskset = Files.isExecutable(Path.of("/usr/bin/taskset")) && Runtime.getRuntime().availableProcessors() >= 2;
        }
        return taskset;
    }

    public static String javaBin() {
        return ProcessHandle.current().info().command().orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    }

    /** utime+stime of a process (all its threads) in nanoseconds, from /proc/pid/stat. */
    public static long cpuNanos(long pid) {
        long[] split = userSystemNanos(pid);
        return split[0] < 0 ? -1 : split[0] + split[1];
    }

    /** The read and write system calls a process made so far (syscr + syscw of /proc/pid/io), or -1 if unreadable. */
    public static long readWriteCalls(long pid) {
        try {
            long n = 0;
            for (String line : Files.readAllLines(Path.of("/proc", Long.toString(pid), "io"))) {
                if (line.startsWith("syscr:") || line.startsWith("syscw:")) n += Long.parseLong(line.substring(6).trim());
            }
            return n;
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** {user, system (kernel)} CPU time of a process in ns, from /proc/pid/stat; {-1, -1} if unreadable. */
    public static long[] userSystemNanos(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            // after "pid (comm) ": state=f[0], ... utime = field 14 → f[11], stime = field 15 → f[12]
            return new long[] {Long.parseLong(f[11]) * 1_000_000_000L / CLK_TCK, Long.parseLong(f[12]) * 1_000_000_000L / CLK_TCK};
        } catch (IOException | RuntimeException e) {
            return new long[] {-1, -1};
        }
    }

    /** VmRSS of a process in bytes, from /proc/pid/status. */
    public static long rssBytes(long pid) {
        try {
            List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"));
            for (String l : lines) {
                if (l.startsWith("VmRSS:")) {
                    return Long.parseLong(l.substring(6).trim().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }

    /** Open file descriptors of a process (sockets included), from /proc/pid/fd; -1 if unreadable. */
    public static long openFiles(long pid) {
        try (java.util.stream.Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
            return fds.count();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /**
     * The threads of a process by name, digits folded to {@code #} ({@code "GC Thread##" -> 2}), from
     * /proc/pid/task/{@literal *}/comm (names cut at 15 characters by the kernel); empty if unreadable.
     */
    public static java.util.SortedMap<String, Integer> threadNames(long pid) {
        java.util.SortedMap<String, Integer> names = new java.util.TreeMap<>();
        try (java.util.stream.Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
            for (Path t : tasks.toList()) {
                try {
                    names.merge(Files.readString(t.resolve("comm")).strip().replaceAll("[0-9]+", "#"), 1, Integer::sum);
                } catch (IOException e) {
                    // the thread ended meanwhile
                }
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return names;
    }

    public static int threads(long pid) {
        try {
            for (String l : Files.readAllLines(Path.of("/proc", Long.toString(pid), "status"))) {
                if (l.startsWith("Threads:")) return Integer.parseInt(l.substring(8).trim());
            }
        } catch (IOException | RuntimeException e) {
            // gone
        }
        return -1;
    }
}
