package io.messagestack.api.message;

import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Size;

/** Body of POST and PUT: both fields required, as in django-vue-template's serializer. */
public record MessageInput(
        @NotBlank(message = "is required and may not be blank")
        @Size(max = SUBJECT_MAX, message = "may be at most {max} characters")
        String subject,

        @NotBlank(message = "is required and may not be blank")
        @Size(max = BODY_MAX, message = "may be at most {max} characters")
        String body) {

    public static final int SUBJECT_MAX = 200;
    /** Fits a MariaDB TEXT column (64 KiB) even at four bytes a character. */
    public static final int BODY_MAX = 10_000;
}
