package org.tinyphone.agi;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns the lines Asterisk sends after a command into replies (no I/O): single-line replies, the multi-line
 * {@code 520} block, and the bare {@code HANGUP} notice, which may arrive at any time (even between a command
 * and its reply) and is recorded, not returned. Not thread-safe: one per session.
 */
public final class AgiReplyDecoder {
    /** Longest 520 usage block accepted (lines); Asterisk's longest is a few dozen. */
    public static final int MAX_BLOCK_LINES = 1000;
    /**
     * Most lines read for one command before its final reply: a {@code 100 Trying}, a {@code HANGUP} notice and a
     * whole 520 block fit many times over; a peer sending provisional lines or notices without end is cut off.
     */
    public static final int MAX_LINES_PER_REPLY = 2 * MAX_BLOCK_LINES;

    private List<String> block;
    private boolean hangup;

    /**
     * Feeds one line (without its LF).
     *
     * @return the complete reply, or null if the line was a {@code HANGUP} notice or part of an unfinished block
     * @throws AgiProtocolException if the line cannot be part of an AGI reply
     */
    public AgiReply feed(String line) {
        if (block != null) {
            block.add(line);
            if (line.length() >= 4 && line.charAt(3) == ' ' && line.startsWith(block.get(0).substring(0, 3))) {
                List<String> lines = block;
                block = null;
                return AgiReply.parseBlock(lines);
            }
            if (block.size() > MAX_BLOCK_LINES) {
                block = null;
                throw new AgiProtocolException("multi-line AGI reply longer than " + MAX_BLOCK_LINES + " lines");
            }
            return null;
        }
        if (line.equals("HANGUP")) {
            hangup = true;
            return null;
        }
        if (line.length() >= 4 && line.charAt(3) == '-' && Character.isDigit(line.charAt(0))) {
            AgiReply.parseLine(line); // validates the status
            block = new ArrayList<>(8);
            block.add(line);
            return null;
        }
        return AgiReply.parseLine(line);
    }

    /** True if a {@code HANGUP} notice was seen since the last call; clears the flag. */
    public boolean takeHangup() {
        boolean h = hangup;
        hangup = false;
        return h;
    }

    /** True while a multi-line block is incomplete. */
    public boolean inBlock() { return block != null; }
}
