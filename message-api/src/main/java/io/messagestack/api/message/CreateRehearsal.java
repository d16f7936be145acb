package io.messagestack.api.message;

import java.net.URI;

import jakarta.enterprise.context.ApplicationScoped;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * The part of a create the warm-up cannot reach over HTTP without storing a row: the insert
 * (rolled back, see {@link MessageService#rehearseCreate}) and the JSON of the created message,
 * written with the ObjectMapper REST uses so its serializer for {@link MessageView} is built.
 */
@ApplicationScoped
public class CreateRehearsal {

    private final MessageService messages;
    private final ObjectMapper json;

    CreateRehearsal(MessageService messages, ObjectMapper json) {
        this.messages = messages;
        this.json = json;
    }

    /** Returns the JSON the create would have answered. */
    public String run(URI base) {
        Message message = messages.rehearseCreate(new MessageInput("warm-up", "rolled back, never stored"));
        try {
            return json.writeValueAsString(MessageView.of(message, new MessageUrls(base)));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("could not write the rehearsed message", e);
        }
    }
}
