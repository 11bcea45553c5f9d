package org.tinyphone.agi;

import java.util.Optional;

/**
 * Implements every typed AGI command on top of one transport method, {@link #exchange(String)}. The stream
 * channel (FastAGI, process AGI, relay) and the AsyncAGI channel both extend this class, so an app runs
 * unchanged over any transport. Hangup bookkeeping lives here: transports report a {@code HANGUP} notice with
 * {@link #noticeHangup()} and a lost connection by throwing {@link AgiHangupException}.
 */
public abstract class AbstractAgiChannel implements AgiChannel {
    /** Asterisk's default SAY DATETIME format, used when a time zone is given without a format. */
    static final String DEFAULT_DATETIME_FORMAT = "ABdY 'digits/at' IMp";

    private final AgiEnvironment environment;
    private volatile boolean hungUp;
    private volatile boolean hangupReported;

    protected AbstractAgiChannel(AgiEnvironment environment) {
        this.environment = environment;
    }

    /**
     * Sends one command line and returns its final reply (provisional {@code 100} replies skipped).
     * Implementations call {@link #noticeHangup()} when a {@code HANGUP} notice arrives, and throw
     * {@link AgiHangupException} if the connection to Asterisk ended.
     */
    protected abstract AgiReply exchange(String commandLine);

    /** Records that Asterisk reported a hangup (the {@code HANGUP} line, or SIGHUP for process AGI). */
    protected final void noticeHangup() { hungUp = true; }

    @Override
    public final AgiEnvironment environment() { return environment; }

    @Override
    public final boolean isHungUp() { return hungUp; }

    @Override
    public final AgiReply send(String commandLine) {
        AgiCommand.checkLine(commandLine);
        AgiReply reply;
        try {
            reply = exchange(commandLine);
        } catch (AgiHangupException e) {
            hungUp = true;
            hangupReported = true;
            throw e;
        }
        if (reply.isDeadChannel()) {
            hungUp = true;
            hangupReported = true;
            throw new AgiHangupException("caller hung up: '" + commandLine + "' not permitted on a dead channel (511)", reply);
        }
        if (hungUp && !hangupReported) {
            hangupReported = true;
            throw new AgiHangupException("caller hung up (HANGUP notice during '" + commandLine + "')", reply);
        }
        return reply;
    }

    /** Sends a typed command: 510/520 become {@link AgiCommandException}; any status but 200 is an error. */
    protected final AgiReply command(String commandLine) {
        AgiReply r = send(commandLine);
        if (r.isSuccess()) return r;
        if (r.isInvalidCommand() || r.isUsageError()) throw new AgiCommandException(commandLine, r);
        throw new AgiException("unexpected AGI reply to '" + commandLine + "': " + r.raw());
    }

    protected final AgiReply command(AgiCommand c) { return command(c.line()); }

    private static String keys(String escapeDigits) { return escapeDigits == null ? "" : escapeDigits; }

    private DigitResult digit(AgiCommand c) { return DigitResult.of(command(c)); }

    private boolean one(AgiCommand c) { return command(c).resultCode() == 1; }

    private static Optional<String> found(AgiReply r) {
        return r.resultCode() == 1 ? Optional.of(r.data() == null ? "" : r.data()) : Optional.empty();
    }

    // ---- call control

    @Override
    public void answer() {
        AgiReply r = command("ANSWER");
        if (r.resultCode() < 0) throw new AgiException("ANSWER failed: " + r.raw());
    }

    @Override
    public void hangup() {
        try {
            command("HANGUP");
        } catch (AgiHangupException ignored) {
            // the caller hung up first (or the session already ended): the goal is reached
        }
        hungUp = true;
        hangupReported = true; // the HANGUP notice that follows our own hangup is expected, not news
    }

    @Override
    public boolean hangup(String channelName) {
        return command(AgiCommand.of("HANGUP").arg(channelName)).resultCode() == 1;
    }

    @Override
    public ChannelState channelStatus() { return ChannelState.of(command("CHANNEL STATUS").resultCode()); }

    @Override
    public ChannelState channelStatus(String channelName) {
        return ChannelState.of(command(AgiCommand.of("CHANNEL STATUS").arg(channelName)).resultCode());
    }

    @Override
    public void setAutoHangup(int seconds) { command(AgiCommand.of("SET AUTOHANGUP").arg(seconds)); }

    @Override
    public void asyncAgiBreak() { command("ASYNCAGI BREAK"); }

    // ---- playback and prompts

    @Override
    public DigitResult streamFile(String file) { return streamFile(file, ""); }

    @Override
    public DigitResult streamFile(String file, String escapeDigits) {
        return digit(AgiCommand.of("STREAM FILE").arg(file).quoted(keys(escapeDigits)));
    }

    @Override
    public DigitResult streamFile(String file, String escapeDigits, long offsetSamples) {
        return digit(AgiCommand.of("STREAM FILE").arg(file).quoted(keys(escapeDigits)).arg(offsetSamples));
    }

    @Override
    public DigitResult controlStreamFile(String file, String escapeDigits) {
        return digit(AgiCommand.of("CONTROL STREAM FILE").arg(file).quoted(keys(escapeDigits)));
    }

    @Override
    public DigitResult controlStreamFile(String file, String escapeDigits, int skipMs, String forwardKey,
                                         String rewindKey, String pauseKey) {
        return digit(AgiCommand.of("CONTROL STREAM FILE").arg(file).quoted(keys(escapeDigits)).arg(skipMs)
                .quoted(forwardKey).quoted(rewindKey).quoted(pauseKey));
    }

    @Override
    public DigitResult controlStreamFile(String file, String escapeDigits, int skipMs, String forwardKey,
                                         String rewindKey, String pauseKey, int offsetMs) {
        return digit(AgiCommand.of("CONTROL STREAM FILE").arg(file).quoted(keys(escapeDigits)).arg(skipMs)
                .quoted(forwardKey).quoted(rewindKey).quoted(pauseKey).arg(offsetMs));
    }

    @Override
    public DigitResult getOption(String file, String escapeDigits) {
        return digit(AgiCommand.of("GET OPTION").arg(file).quoted(keys(escapeDigits)));
    }

    @Override
    public DigitResult getOption(String file, String escapeDigits, int timeoutMs) {
        return digit(AgiCommand.of("GET OPTION").arg(file).quoted(keys(escapeDigits)).arg(timeoutMs));
    }

    @Override
    public InputResult getData(String file) { return InputResult.of(command(AgiCommand.of("GET DATA").arg(file))); }

    @Override
    public InputResult getData(String file, int timeoutMs) {
        return InputResult.of(command(AgiCommand.of("GET DATA").arg(file).arg(timeoutMs)));
    }

    @Override
    public InputResult getData(String file, int timeoutMs, int maxDigits) {
        return InputResult.of(command(AgiCommand.of("GET DATA").arg(file).arg(timeoutMs).arg(maxDigits)));
    }

    @Override
    public DigitResult waitForDigit(int timeoutMs) { return digit(AgiCommand.of("WAIT FOR DIGIT").arg(timeoutMs)); }

    @Override
    public DigitResult sayNumber(long number, String escapeDigits) {
        return digit(AgiCommand.of("SAY NUMBER").arg(number).quoted(keys(escapeDigits)));
    }

    @Override
    public DigitResult sayNumber(long number, String escapeDigits, String gender) {
        return digit(AgiCommand.of("SAY NUMBER").arg(number).quoted(keys(escapeDigits)).arg(gender));
    }

    @Override
    public DigitResult sayDigits(String digits, String escapeDigits) {
        return digit(AgiCommand.of("SAY DIGITS").arg(digits).quoted(keys(escapeDigits)));
    }

    @Override
    public DigitResult sayAlpha(String text, String escapeDigits) {
        return digit(AgiCommand.of("SAY ALPHA").arg(text).quoted(keys(escapeDigits)));
    }

    @Override
    public DigitResult sayPhonetic(String text, String escapeDigits) {
        return digit(AgiCommand.of("SAY PHONETIC").arg(text).quoted(keys(escapeDigits)));
    }

    @Override
    public DigitResult sayDate(long epochSeconds, String escapeDigits) {
        return digit(AgiCommand.of("SAY DATE").arg(epochSeconds).quoted(keys(escapeDigits)));
    }

    @Override
    public DigitResult sayTime(long epochSeconds, String escapeDigits) {
        return digit(AgiCommand.of("SAY TIME").arg(epochSeconds).quoted(keys(escapeDigits)));
    }

    @Override
    public DigitResult sayDateTime(long epochSeconds, String escapeDigits) {
        return digit(AgiCommand.of("SAY DATETIME").arg(epochSeconds).quoted(keys(escapeDigits)));
    }

    @Override
    public DigitResult sayDateTime(long epochSeconds, String escapeDigits, String format) {
        return digit(AgiCommand.of("SAY DATETIME").arg(epochSeconds).quoted(keys(escapeDigits)).quoted(format));
    }

    @Override
    public DigitResult sayDateTime(long epochSeconds, String escapeDigits, String format, String timezone) {
        String f = format == null || format.isEmpty() ? DEFAULT_DATETIME_FORMAT : format;
        return digit(AgiCommand.of("SAY DATETIME").arg(epochSeconds).quoted(keys(escapeDigits)).quoted(f).arg(timezone));
    }

    @Override
    public void setMusic(boolean on) { command(on ? "SET MUSIC on" : "SET MUSIC off"); }

    @Override
    public void setMusic(boolean on, String musicClass) {
        command(AgiCommand.of("SET MUSIC").arg(on ? "on" : "off").arg(musicClass));
    }

    // ---- recording and text

    @Override
    public RecordResult recordFile(String file, String format, String escapeDigits, int timeoutMs) {
        return RecordResult.of(command(AgiCommand.of("RECORD FILE").arg(file).arg(format).quoted(keys(escapeDigits))
                .arg(timeoutMs)));
    }

    @Override
    public RecordResult recordFile(String file, String format, String escapeDigits, int timeoutMs, long offsetSamples,
                                   boolean beep, int silenceSeconds) {
        AgiCommand c = AgiCommand.of("RECORD FILE").arg(file).arg(format).quoted(keys(escapeDigits)).arg(timeoutMs)
                .arg(offsetSamples);
        if (beep) c.arg("BEEP");
        if (silenceSeconds > 0) c.arg("s=" + silenceSeconds);
        return RecordResult.of(command(c));
    }

    @Override
    public DigitResult receiveChar(int timeoutMs) { return digit(AgiCommand.of("RECEIVE CHAR").arg(timeoutMs)); }

    @Override
    public Optional<String> receiveText(int timeoutMs) {
        return found(command(AgiCommand.of("RECEIVE TEXT").arg(timeoutMs)));
    }

    @Override
    public boolean sendText(String text) { return command(AgiCommand.of("SEND TEXT").arg(text)).resultCode() >= 0; }

    @Override
    public boolean sendImage(String image) { return command(AgiCommand.of("SEND IMAGE").arg(image)).resultCode() >= 0; }

    @Override
    public boolean tddMode(String mode) { return one(AgiCommand.of("TDD MODE").arg(mode)); }

    // ---- variables and database

    @Override
    public Optional<String> getVariable(String name) { return found(command(AgiCommand.of("GET VARIABLE").arg(name))); }

    @Override
    public Optional<String> getFullVariable(String expression) {
        return found(command(AgiCommand.of("GET FULL VARIABLE").quoted(expression)));
    }

    @Override
    public Optional<String> getFullVariable(String expression, String channelName) {
        return found(command(AgiCommand.of("GET FULL VARIABLE").quoted(expression).arg(channelName)));
    }

    @Override
    public void setVariable(String name, String value) { command(AgiCommand.of("SET VARIABLE").arg(name).arg(value)); }

    @Override
    public void setCallerId(String callerId) { command(AgiCommand.of("SET CALLERID").arg(callerId)); }

    @Override
    public Optional<String> databaseGet(String family, String key) {
        return found(command(AgiCommand.of("DATABASE GET").arg(family).arg(key)));
    }

    @Override
    public boolean databasePut(String family, String key, String value) {
        return one(AgiCommand.of("DATABASE PUT").arg(family).arg(key).arg(value));
    }

    @Override
    public boolean databaseDel(String family, String key) { return one(AgiCommand.of("DATABASE DEL").arg(family).arg(key)); }

    @Override
    public boolean databaseDelTree(String family) { return one(AgiCommand.of("DATABASE DELTREE").arg(family)); }

    @Override
    public boolean databaseDelTree(String family, String keyTree) {
        return one(AgiCommand.of("DATABASE DELTREE").arg(family).arg(keyTree));
    }

    // ---- dialplan

    @Override
    public ExecResult exec(String application, String... args) {
        AgiCommand c = AgiCommand.of("EXEC").arg(application);
        if (args != null && args.length > 0) c.arg(String.join(",", args));
        return new ExecResult(command(c).resultCode());
    }

    @Override
    public boolean gosub(String context, String extension, String priority, String... args) {
        AgiCommand c = AgiCommand.of("GOSUB").arg(context).arg(extension).arg(priority);
        if (args != null && args.length > 0) c.quoted(String.join(",", args));
        return command(c).resultCode() == 0;
    }

    @Override
    public void setContext(String context) { command(AgiCommand.of("SET CONTEXT").arg(context)); }

    @Override
    public void setExtension(String extension) { command(AgiCommand.of("SET EXTENSION").arg(extension)); }

    @Override
    public void setPriority(String priority) { command(AgiCommand.of("SET PRIORITY").arg(priority)); }

    @Override
    public void verbose(String message) { verbose(message, 1); }

    @Override
    public void verbose(String message, int level) { command(AgiCommand.of("VERBOSE").arg(message).arg(level)); }

    @Override
    public void noop() { command("NOOP"); }

    // ---- speech

    @Override
    public boolean speechCreate(String engine) { return one(AgiCommand.of("SPEECH CREATE").arg(engine)); }

    @Override
    public boolean speechSet(String name, String value) { return one(AgiCommand.of("SPEECH SET").arg(name).arg(value)); }

    @Override
    public boolean speechDestroy() { return command("SPEECH DESTROY").resultCode() == 1; }

    @Override
    public boolean speechLoadGrammar(String grammar, String path) {
        return one(AgiCommand.of("SPEECH LOAD GRAMMAR").arg(grammar).arg(path));
    }

    @Override
    public boolean speechUnloadGrammar(String grammar) { return one(AgiCommand.of("SPEECH UNLOAD GRAMMAR").arg(grammar)); }

    @Override
    public boolean speechActivateGrammar(String grammar) {
        return one(AgiCommand.of("SPEECH ACTIVATE GRAMMAR").arg(grammar));
    }

    @Override
    public boolean speechDeactivateGrammar(String grammar) {
        return one(AgiCommand.of("SPEECH DEACTIVATE GRAMMAR").arg(grammar));
    }

    @Override
    public SpeechResult speechRecognize(String prompt, int timeoutMs) {
        return SpeechResult.of(command(AgiCommand.of("SPEECH RECOGNIZE").arg(prompt).arg(timeoutMs)));
    }

    @Override
    public SpeechResult speechRecognize(String prompt, int timeoutMs, long offsetSamples) {
        return SpeechResult.of(command(AgiCommand.of("SPEECH RECOGNIZE").arg(prompt).arg(timeoutMs).arg(offsetSamples)));
    }
}
