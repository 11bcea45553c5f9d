package org.tinyphone.ari;

/** A finished recording kept by Asterisk (in its recordings directory). */
public record StoredRecording(String name, String format) {}
