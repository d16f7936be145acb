package io.messagestack.api.message;

import java.time.Instant;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;

/**
 * A message as the API shows it: django-vue-template's serializer fields (url, subject, body,
 * pk) in its order, plus the creation time. {@code url} is the absolute URL of the item.
 */
@JsonPropertyOrder({ "url", "subject", "body", "pk", "created_at" })
public record MessageView(
        String url,
        String subject,
        String body,
        long pk,
        @JsonProperty("created_at") Instant createdAt) {

    static MessageView of(Message message, MessageUrls urls) {
        return new MessageView(urls.of(message.id), message.subject, message.body, message.id, message.createdAt);
    }

    static MessageView of(MessageRow row, MessageUrls urls) {
        return new MessageView(urls.of(row.id()), row.subject(), row.body(), row.id(), row.createdAt());
    }
}
