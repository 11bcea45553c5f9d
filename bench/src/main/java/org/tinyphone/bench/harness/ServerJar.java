package org.tinyphone.bench.harness;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The server as {@code ./tinyphone server} runs it: {@code server/target/tinyphone-server.jar} and its
 * {@code lib/}, copied aside under bench/target so that a rebuild while a case runs cannot change it under us.
 */
public final class ServerJar {
    private ServerJar() {}

    /** True if server/target holds a built server. */
    public static boolean built() {
        Path root = root();
        return Files.isRegularFile(root.resolve("server/target/tinyphone-server.jar"))
                && Files.isDirectory(root.resolve("server/target/lib"));
    }

    /**
     * Copies the built server to bench/target/{@code name} and returns the class path of the copy.
     * @throws IOException if there is no built server (run ./tinyphone build first)
     */
    public static String snapshot(String name) throws IOException {
        Path root = root();
        Path jar = root.resolve("server/target/tinyphone-server.jar"), lib = root.resolve("server/target/lib");
        if (!built()) throw new IOException("no built server in " + root.resolve("server/target") + ": run ./tinyphone build first");
        Path to = Report.targetDir().resolve(name);
        if (Files.isDirectory(to)) {
            try (Stream<Path> s = Files.walk(to)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        Files.createDirectories(to.resolve("lib"));
        Files.copy(jar, to.resolve("tinyphone-server.jar"), StandardCopyOption.REPLACE_EXISTING);
        try (Stream<Path> s = Files.list(lib)) {
            for (Path p : s.toList()) Files.copy(p, to.resolve("lib").resolve(p.getFileName()), StandardCopyOption.REPLACE_EXISTING);
        }
        return to.resolve("tinyphone-server.jar") + ":" + to.resolve("lib") + "/*";
    }

    /** The project's root: the parent of bench/. */
    private static Path root() {
        return Report.targetDir().toAbsolutePath().getParent().getParent();
    }
}
