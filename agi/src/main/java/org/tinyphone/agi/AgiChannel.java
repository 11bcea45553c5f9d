package org.tinyphone.agi;

import java.util.Optional;

/**
 * One call's AGI session: the environment Asterisk sent, and one typed method per AGI command of Asterisk 22.
 *
 * <p>Every method blocks until Asterisk replies. When the caller hangs up, the command in flight (or the next
 * one) throws {@link AgiHangupException} once; dead-channel-safe commands (VERBOSE, GET VARIABLE, NOOP,
 * DATABASE ..., SET VARIABLE, EXEC) keep working for clean-up while Asterisk keeps the session open; commands
 * that need a live channel throw {@link AgiHangupException} again. A command Asterisk rejects as unknown or
 * wrongly used throws {@link AgiCommandException}. Escape-digit arguments are key sets such as {@code "#"} or
 * {@code "0123456789*#"} ({@code ""} = not interruptible). Times are in milliseconds unless named otherwise.
 */
public interface AgiChannel {

    /** The {@code agi_*} environment of this call. */
    AgiEnvironment environment();

    /** Sends a raw command line and returns Asterisk's reply as is (510/520 are returned, not thrown). */
    AgiReply send(String commandLine);

    /** True once a hangup was seen: HANGUP notice, 511 reply, lost connection, or our own {@link #hangup()}. */
    boolean isHungUp();

    // ---- call control

    /** ANSWER the channel. @throws AgiException if Asterisk reports failure */
    void answer();

    /** HANGUP this channel; does nothing if the caller is already gone. */
    void hangup();

    /** HANGUP another channel by name. @return false if there is no such channel */
    boolean hangup(String channelName);

    /** CHANNEL STATUS of this channel. */
    ChannelState channelStatus();

    /** CHANNEL STATUS of another channel ({@link ChannelState#NO_SUCH_CHANNEL} if it does not exist). */
    ChannelState channelStatus(String channelName);

    /** SET AUTOHANGUP: hang up after this many seconds (0 cancels). */
    void setAutoHangup(int seconds);

    /** ASYNCAGI BREAK: end an AsyncAGI session (over FastAGI Asterisk just replies {@code 200 result=0}). */
    void asyncAgiBreak();

    // ---- playback and prompts

    /** STREAM FILE without escape digits. */
    DigitResult streamFile(String file);

    /** STREAM FILE, interruptible by one of {@code escapeDigits}. */
    DigitResult streamFile(String file, String escapeDigits);

    /** STREAM FILE starting at a sample offset. */
    DigitResult streamFile(String file, String escapeDigits, long offsetSamples);

    /** CONTROL STREAM FILE with Asterisk's default skip and control keys. */
    DigitResult controlStreamFile(String file, String escapeDigits);

    /** CONTROL STREAM FILE with skip time and fast-forward / rewind / pause keys. */
    DigitResult controlStreamFile(String file, String escapeDigits, int skipMs, String forwardKey, String rewindKey,
                                  String pauseKey);

    /** CONTROL STREAM FILE starting {@code offsetMs} into the file. */
    DigitResult controlStreamFile(String file, String escapeDigits, int skipMs, String forwardKey, String rewindKey,
                                  String pauseKey, int offsetMs);

    /** GET OPTION: play a prompt, then wait for one of {@code escapeDigits} with Asterisk's default timeout. */
    DigitResult getOption(String file, String escapeDigits);

    /** GET OPTION: play a prompt, then wait up to {@code timeoutMs} for one of {@code escapeDigits}. */
    DigitResult getOption(String file, String escapeDigits, int timeoutMs);

    /** GET DATA with Asterisk's default timeout and no digit limit. */
    InputResult getData(String file);

    /** GET DATA: play a prompt and collect digits until {@code #} or the timeout. */
    InputResult getData(String file, int timeoutMs);

    /** GET DATA: play a prompt and collect up to {@code maxDigits} digits until {@code #} or the timeout. */
    InputResult getData(String file, int timeoutMs, int maxDigits);

    /** WAIT FOR DIGIT up to {@code timeoutMs} ({@code -1} = forever). */
    DigitResult waitForDigit(int timeoutMs);

    /** SAY NUMBER. */
    DigitResult sayNumber(long number, String escapeDigits);

    /** SAY NUMBER with a gender ({@code f}, {@code m}, {@code c}, {@code n}) for languages that need it. */
    DigitResult sayNumber(long number, String escapeDigits, String gender);

    /** SAY DIGITS: each digit of {@code digits} in turn. */
    DigitResult sayDigits(String digits, String escapeDigits);

    /** SAY ALPHA: spell {@code text} letter by letter. */
    DigitResult sayAlpha(String text, String escapeDigits);

    /** SAY PHONETIC: spell {@code text} with the phonetic alphabet. */
    DigitResult sayPhonetic(String text, String escapeDigits);

    /** SAY DATE of a Unix time (seconds). */
    DigitResult sayDate(long epochSeconds, String escapeDigits);

    /** SAY TIME of a Unix time (seconds). */
    DigitResult sayTime(long epochSeconds, String escapeDigits);

    /** SAY DATETIME with Asterisk's default format and the system time zone. */
    DigitResult sayDateTime(long epochSeconds, String escapeDigits);

    /** SAY DATETIME with a format such as {@code "IMp"} or {@code "ABdY 'digits/at' IMp"}. */
    DigitResult sayDateTime(long epochSeconds, String escapeDigits, String format);

    /** SAY DATETIME with a format and a time zone such as {@code UTC} or {@code America/New_York}. */
    DigitResult sayDateTime(long epochSeconds, String escapeDigits, String format, String timezone);

    /** SET MUSIC on (default class) or off. */
    void setMusic(boolean on);

    /** SET MUSIC on with a music-on-hold class, or off. */
    void setMusic(boolean on, String musicClass);

    // ---- recording and text

    /** RECORD FILE until a key in {@code escapeDigits}, the timeout ({@code -1} = none) or hangup. */
    RecordResult recordFile(String file, String format, String escapeDigits, int timeoutMs);

    /**
     * RECORD FILE with all options.
     *
     * @param offsetSamples  where to start in an existing file (0 = overwrite)
     * @param beep           play a beep first
     * @param silenceSeconds stop after this many seconds of silence (0 = never)
     */
    RecordResult recordFile(String file, String format, String escapeDigits, int timeoutMs, long offsetSamples,
                            boolean beep, int silenceSeconds);

    /** RECEIVE CHAR: wait for one character of text (channels with text support). */
    DigitResult receiveChar(int timeoutMs);

    /** RECEIVE TEXT: wait for a text message; empty if none arrived or the channel has no text support. */
    Optional<String> receiveText(int timeoutMs);

    /** SEND TEXT. @return false if Asterisk reports failure */
    boolean sendText(String text);

    /** SEND IMAGE. @return false if Asterisk reports failure */
    boolean sendImage(String image);

    /** TDD MODE {@code on}, {@code off}, {@code mate} or {@code tdd}. @return true if the channel accepted it */
    boolean tddMode(String mode);

    // ---- variables and database

    /** GET VARIABLE: the value, or empty if the variable is not set. */
    Optional<String> getVariable(String name);

    /** GET FULL VARIABLE: evaluates an expression such as {@code "${CALLERID(num)} on ${CHANNEL}"}. */
    Optional<String> getFullVariable(String expression);

    /** GET FULL VARIABLE evaluated on another channel. */
    Optional<String> getFullVariable(String expression, String channelName);

    /** SET VARIABLE (functions such as {@code CALLERID(name)} work too). */
    void setVariable(String name, String value);

    /** SET CALLERID, e.g. {@code "\"Dave\" <15550002222>"} or a bare number. */
    void setCallerId(String callerId);

    /** DATABASE GET: the value, or empty if there is none. */
    Optional<String> databaseGet(String family, String key);

    /** DATABASE PUT. @return true on success */
    boolean databasePut(String family, String key, String value);

    /** DATABASE DEL. @return true on success */
    boolean databaseDel(String family, String key);

    /** DATABASE DELTREE of a whole family. @return true on success */
    boolean databaseDelTree(String family);

    /** DATABASE DELTREE of a key tree within a family. @return true on success */
    boolean databaseDelTree(String family, String keyTree);

    // ---- dialplan

    /** EXEC a dialplan application; {@code args} are joined with commas into its one option string. */
    ExecResult exec(String application, String... args);

    /**
     * GOSUB to a dialplan subroutine and wait until it returns ({@code Return()}); arguments become
     * {@code ${ARG1}}, {@code ${ARG2}}, ...; the return value is in {@code GOSUB_RETVAL}.
     *
     * @return false if the target does not exist ({@code Gosub label not found})
     */
    boolean gosub(String context, String extension, String priority, String... args);

    /** SET CONTEXT for when the AGI ends. */
    void setContext(String context);

    /** SET EXTENSION for when the AGI ends. */
    void setExtension(String extension);

    /** SET PRIORITY (number or label) for when the AGI ends. @throws AgiCommandException for an unknown label */
    void setPriority(String priority);

    /** VERBOSE at level 1: a line on the Asterisk console. */
    void verbose(String message);

    /** VERBOSE at a level (1-4). */
    void verbose(String message, int level);

    /** NOOP. */
    void noop();

    // ---- speech (res_speech)

    /** SPEECH CREATE. @return false if the engine is missing or failed */
    boolean speechCreate(String engine);

    /** SPEECH SET an engine setting. @return false on failure */
    boolean speechSet(String name, String value);

    /** SPEECH DESTROY. @return false if there was no speech object */
    boolean speechDestroy();

    /** SPEECH LOAD GRAMMAR from a path. @return false on failure */
    boolean speechLoadGrammar(String grammar, String path);

    /** SPEECH UNLOAD GRAMMAR. @return false on failure */
    boolean speechUnloadGrammar(String grammar);

    /** SPEECH ACTIVATE GRAMMAR. @return false on failure */
    boolean speechActivateGrammar(String grammar);

    /** SPEECH DEACTIVATE GRAMMAR. @return false on failure */
    boolean speechDeactivateGrammar(String grammar);

    /** SPEECH RECOGNIZE: play a prompt and listen up to {@code timeoutMs}. */
    SpeechResult speechRecognize(String prompt, int timeoutMs);

    /** SPEECH RECOGNIZE starting the prompt at a sample offset. */
    SpeechResult speechRecognize(String prompt, int timeoutMs, long offsetSamples);
}
