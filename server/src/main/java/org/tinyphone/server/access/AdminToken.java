package org.tinyphone.server.access;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/**
 * The admin token the server makes for itself when clients on other hosts can reach it and the operator set no
 * {@code token.*}: made once with a secure random generator, kept in a file only its owner can read, so it stays the
 * same from one start to the next; the server prints it (and the page's address with it) when it starts.
 *
 * @param token the token
 * @param file  where it is kept, or null when it could not be saved (then it lasts until the server stops)
 * @param made  true when it was made by this start (not read from the file)
 */
public record AdminToken(String token, Path file, boolean made) {
    private static final SecureRandom RANDOM = new SecureRandom();

    /** The default file: {@code $XDG_CONFIG_HOME/tinyphone/admin-token}, else {@code ~/.config/tinyphone/admin-token}. */
    public static Path defaultFile() {
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("tinyphone").resolve("admin-token");
    }

    /** Reads the token from {@code file}, or makes one and saves it there (if that fails, keeps it in memory). */
    public static AdminToken loadOrCreate(Path file) {
        try {
            if (Files.isRegularFile(file)) {
                String t = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (t.length() >= 16 && t.chars().allMatch(c -> c > 0x20 && c < 0x7f)) return new AdminToken(t, file, false);
            }
        } catch (IOException e) {
            // unreadable: make a new one below
        }
        String token = newToken();
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
            Path tmp = file.resolveSibling(file.getFileName() + ".new");
            Files.deleteIfExists(tmp);
            try {
                Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } catch (UnsupportedOperationException e) {
                Files.createFile(tmp);
            } catch (FileAlreadyExistsException e) {
                throw new IOException("someone else is writing " + tmp, e);
            }
            Files.writeString(tmp, token + "\n", StandardCharsets.UTF_8, StandardOpenOption.TRUNCATE_EXISTING);
            Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            return new AdminToken(token, file, true);
        } catch (IOException | RuntimeException e) {
            return new AdminToken(token, null, true);
        }
    }

    /** 24 random bytes, URL-safe Base64 (32 characters). */
    static String newToken() {
        byte[] b = new byte[24];
        RANDOM.nextBytes(b);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
    }

    @Override
    public String toString() { return "AdminToken[file=" + file + ", made=" + made + "]"; } // never the token itself
}
