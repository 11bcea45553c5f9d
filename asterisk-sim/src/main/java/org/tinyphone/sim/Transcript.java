package org.tinyphone.sim;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A capture recorded from a real Asterisk 22 (see {@code captures/README.md}): the header comment, the
 * exchange one wire line per entry, and Asterisk's own log lines.
 *
 * <p>Line format: {@code <seconds> <dir> <text>} where dir is {@code >>} (sent by the client side, i.e. what
 * Tinyphone must send), {@code <<} (sent by Asterisk), {@code --} (socket event) or {@code ##} (harness action).
 */
public final class Transcript {

    /** Who produced a line. */
    public enum Dir {
        /** {@code >>}: the application side (the role Tinyphone plays). */
        CLIENT,
        /** {@code <<}: Asterisk. */
        ASTERISK,
        /** {@code --}: a socket event such as EOF or close. */
        SOCKET,
        /** {@code ##}: an out-of-band action of the recording harness. */
        HARNESS,
        /** {@code a3}: a read of EAGI caller audio from fd 3 (the text says how many bytes). */
        FD3_AUDIO
    }

    /** One recorded line; {@code text} excludes the line terminator. */
    public record Entry(double seconds, Dir dir, String text) {
        public boolean fromAsterisk() { return dir == Dir.ASTERISK; }
        public boolean fromClient() { return dir == Dir.CLIENT; }
    }

    private static final Pattern LINE = Pattern.compile("^\\s*(\\d+\\.\\d+) (>>|<<|--|##|a3)(?: (.*))?$");

    private final String name;
    private final List<String> header;
    private final List<Entry> entries;
    private final List<String> log;

    private Transcript(String name, List<String> header, List<Entry> entries, List<String> log) {
        this.name = name;
        this.header = List.copyOf(header);
        this.entries = List.copyOf(entries);
        this.log = List.copyOf(log);
    }

    /** Loads a capture shipped in this module, e.g. {@code load("02-fastagi-commands.txt")}. */
    public static Transcript load(String fileName) {
        try (InputStream in = resource(fileName)) {
            return parse(fileName, new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Opens any shipped capture file (also the binary audio ones) as a stream. */
    public static InputStream resource(String fileName) {
        InputStream in = Transcript.class.getResourceAsStream("captures/" + fileName);
        if (in == null) {
            throw new IllegalArgumentException("no capture named " + fileName + " in org/tinyphone/sim/captures");
        }
        return in;
    }

    /** Parses transcript text. Lines that are neither comments nor entries are rejected. */
    public static Transcript parse(String name, String text) {
        List<String> header = new ArrayList<>();
        List<Entry> entries = new ArrayList<>();
        List<String> log = new ArrayList<>();
        int n = 0;
        for (String raw : text.split("\n", -1)) {
            n++;
            if (raw.isEmpty()) continue;
            if (raw.startsWith("# log: ")) {
                log.add(raw.substring("# log: ".length()));
            } else if (raw.startsWith("#")) {
                if (entries.isEmpty()) header.add(raw.length() > 1 ? raw.substring(Math.min(2, raw.length())) : "");
            } else {
                Matcher m = LINE.matcher(raw);
                if (!m.matches()) {
                    throw new IllegalArgumentException(name + ":" + n + ": not a transcript line: " + raw);
                }
                Dir dir = switch (m.group(2)) {
                    case ">>" -> Dir.CLIENT;
                    case "<<" -> Dir.ASTERISK;
                    case "--" -> Dir.SOCKET;
                    case "a3" -> Dir.FD3_AUDIO;
                    default -> Dir.HARNESS;
                };
                String t = m.group(3) == null ? "" : m.group(3);
                entries.add(new Entry(Double.parseDouble(m.group(1)), dir, t));
            }
        }
        return new Transcript(name, header, entries, log);
    }

    public String name() { return name; }

    /** The {@code #} comment block before the first entry, without the leading "# ". */
    public List<String> header() { return header; }

    /** Every entry in recorded order. */
    public List<Entry> entries() { return entries; }

    /** Asterisk's own log lines written during the capture. */
    public List<String> log() { return log; }

    /** Entries matching a filter, in order. */
    public List<Entry> entries(Predicate<Entry> filter) {
        return entries.stream().filter(filter).toList();
    }

    /** The text of every line one side sent, in order. */
    public List<String> lines(Dir dir) {
        return entries.stream().filter(e -> e.dir() == dir).map(Entry::text).toList();
    }

    /**
     * Splits the exchange into turns: each turn is a run of consecutive lines from one side
     * (socket, harness and audio entries break runs and are kept as their own one-entry turns).
     */
    public List<List<Entry>> turns() {
        List<List<Entry>> turns = new ArrayList<>();
        List<Entry> cur = null;
        for (Entry e : entries) {
            boolean sameSide = cur != null && cur.get(0).dir() == e.dir()
                    && (e.dir() == Dir.CLIENT || e.dir() == Dir.ASTERISK);
            if (!sameSide) {
                cur = new ArrayList<>();
                turns.add(cur);
            }
            cur.add(e);
        }
        return turns;
    }

    @Override
    public String toString() { return "Transcript[" + name + ", " + entries.size() + " entries]"; }
}
