package org.tinyphone.ami;

import java.util.List;

import org.tinyphone.ami.codec.AmiMessage;

/**
 * The answer to an action: the response message, plus, for event-list actions ({@code EventList: start}),
 * every list event up to and including the {@code ...Complete} one.
 */
public record AmiResponse(AmiMessage message, List<AmiMessage> events) {

    public AmiResponse {
        events = List.copyOf(events);
    }

    /** {@code Response: Success} (also Goodbye for Logoff, Follows for old Command output). */
    public boolean isSuccess() {
        return message.is("Response", "Success") || message.is("Response", "Goodbye") || message.is("Response", "Follows");
    }

    public String response() { return message.get("Response"); }

    /** The {@code Message:} text or null. */
    public String text() { return message.get("Message"); }

    public String get(String key) { return message.get(key); }

    public String actionId() { return message.actionId(); }

    /** List events without the final {@code ...Complete} event. */
    public List<AmiMessage> items() {
        if (!events.isEmpty() && events.get(events.size() - 1).is("EventList", "Complete")) {
            return events.subList(0, events.size() - 1);
        }
        return events;
    }

    /**
     * Command output lines: the repeated {@code Output:} values of this Asterisk, or, for the pre-14
     * {@code Response: Follows} form, the bare lines without the {@code --END COMMAND--} marker.
     */
    public List<String> output() {
        List<String> out = message.getAll("Output");
        if (!out.isEmpty()) return out;
        return message.bareLines().stream().filter(l -> !l.equals("--END COMMAND--")).toList();
    }

    @Override
    public String toString() { return message + (events.isEmpty() ? "" : "\n(+" + events.size() + " list events)"); }
}
