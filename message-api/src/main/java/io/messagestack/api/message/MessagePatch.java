package io.messagestack.api.message;

import com.fasterxml.jackson.annotation.JsonSetter;

/**
 * Body of PATCH: every field optional, but a field that is present must be valid
 * (an explicit null is refused, as DRF does for a non-null field).
 */
public final class MessagePatch {

    private String subject;
    private boolean subjectPresent;
    private String body;
    private boolean bodyPresent;

    @JsonSetter("subject")
    void setSubject(String subject) {
        this.subject = subject;
        this.subjectPresent = true;
    }

    @JsonSetter("body")
    void setBody(String body) {
        this.body = body;
        this.bodyPresent = true;
    }

    public String subject() {
        return subject;
    }

    public boolean subjectPresent() {
        return subjectPresent;
    }

    public String body() {
        return body;
    }

    public boolean bodyPresent() {
        return bodyPresent;
    }
}
