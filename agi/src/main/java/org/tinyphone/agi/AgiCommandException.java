package org.tinyphone.agi;

/** Asterisk refused a typed command: {@code 510} (unknown command) or {@code 520} (wrong usage). */
public class AgiCommandException extends AgiException {
    private final String command;
    private final transient AgiReply reply;

    public AgiCommandException(String command, AgiReply reply) {
        super(describe(command, reply));
        this.command = command;
        this.reply = reply;
    }

    private static String describe(String command, AgiReply reply) {
        String what = reply.status() == 510 ? "unknown command" : "wrong usage";
        String detail = reply.usage().isEmpty() ? reply.text() : reply.usage();
        return "Asterisk refused '" + command + "' (" + reply.status() + " " + what + "): " + detail;
    }

    /** The command line that was sent. */
    public String command() { return command; }

    /** Asterisk's reply, with the 520 usage text in {@link AgiReply#usage()}. */
    public AgiReply reply() { return reply; }
}
