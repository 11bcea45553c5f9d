package org.tinyphone.agi;

import java.util.ArrayList;
import java.util.List;

/**
 * Outcome of SPEECH RECOGNIZE: {@code 200 result=1 (speech) endpos=N results=K score0=.. text0=".." grammar0=..},
 * {@code (digit) digit=5 endpos=N}, {@code (timeout) endpos=N}, {@code (hangup) endpos=N}, or {@code result=0} (failure).
 */
public record SpeechResult(Kind kind, char digit, long endpos, List<Match> matches) {

    /** Why recognition ended. */
    public enum Kind { SPEECH, DIGIT, TIMEOUT, HANGUP, FAILED }

    /** One recognition result. */
    public record Match(int score, String text, String grammar) {}

    static SpeechResult of(AgiReply reply) {
        long endpos = reply.endpos().orElse(-1);
        if (reply.resultCode() != 1 || reply.data() == null) return new SpeechResult(Kind.FAILED, '\0', endpos, List.of());
        switch (reply.data()) {
            case "speech" -> {
                List<Match> matches = new ArrayList<>();
                for (int i = 0; ; i++) {
                    String text = reply.attribute("text" + i);
                    if (text == null) break;
                    String score = reply.attribute("score" + i);
                    String grammar = reply.attribute("grammar" + i);
                    int s;
                    try {
                        s = score == null ? 0 : Integer.parseInt(score);
                    } catch (NumberFormatException e) {
                        s = 0;
                    }
                    matches.add(new Match(s, text, grammar == null ? "" : grammar));
                }
                return new SpeechResult(Kind.SPEECH, '\0', endpos, List.copyOf(matches));
            }
            case "digit" -> {
                String d = reply.attribute("digit");
                return new SpeechResult(Kind.DIGIT, d == null || d.isEmpty() ? '\0' : d.charAt(0), endpos, List.of());
            }
            case "timeout" -> { return new SpeechResult(Kind.TIMEOUT, '\0', endpos, List.of()); }
            case "hangup" -> { return new SpeechResult(Kind.HANGUP, '\0', endpos, List.of()); }
            default -> { return new SpeechResult(Kind.FAILED, '\0', endpos, List.of()); }
        }
    }
}
