package org.tinyphone.agi;

/** The peer sent something that is not AGI (malformed environment, reply, or an over-long line). */
public class AgiProtocolException extends AgiException {
    public AgiProtocolException(String message) { super(message); }
}
