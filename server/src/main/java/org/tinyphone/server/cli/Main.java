package org.tinyphone.server.cli;

/** Entry point of the {@code ./tinyphone} command line. */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.out.println("tinyphone: " + String.join(" ", args));
    }
}
