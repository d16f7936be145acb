package io.messagestack.api.message;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;

import org.eclipse.microprofile.openapi.annotations.Operation;
import org.eclipse.microprofile.openapi.annotations.parameters.Parameter;

import com.fasterxml.jackson.databind.ObjectMapper;

import io.messagestack.api.http.FieldError;
import io.messagestack.api.http.InvalidRequestException;
import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.http.HttpServerResponse;

/**
 * django-vue-template's REST API: GET/POST /api/messages/, GET/PUT/PATCH/DELETE
 * /api/messages/{pk}/, each with or without the trailing slash.
 */
@Path("/api/messages")
@Produces(MediaType.APPLICATION_JSON)
public class MessageResource {

    static final String MERGE_PATCH = "application/merge-patch+json";

    private final MessageService messages;
    private final Validator validator;
    private final ObjectMapper mapper;
    /** Creates answered from an earlier create with the same Idempotency-Key (messagestack_idempotent_replays_total). */
    static final String IDEMPOTENT_REPLAYS = "messagestack.idempotent.replays";
    private final MeterRegistry meters;

    MessageResource(MessageService messages, Validator validator, ObjectMapper mapper, MeterRegistry meters) {
        this.messages = messages;
        this.validator = validator;
        this.mapper = mapper;
        this.meters = meters;
    }

    @GET
    @Operation(summary = "Messages as a bare JSON array: all of them ordered by pk (streamed), or a window"
            + " (limit, offset, after_id/before_id keyset, ordering=-pk for newest first)")
    public Response list(
            @Parameter(description = "at most this many, 1..1000 (default: all, streamed)") @QueryParam("limit") String limit,
            @Parameter(description = "skip this many first, 0..100000") @QueryParam("offset") String offset,
            @Parameter(description = "only pks greater than this (keyset cursor)") @QueryParam("after_id") String afterId,
            @Parameter(description = "only pks smaller than this (keyset cursor)") @QueryParam("before_id") String beforeId,
            @Parameter(description = "pk (default) or -pk (newest first)") @QueryParam("ordering") String ordering,
            @Context UriInfo uri, @Context HttpServerResponse response) {
        Paging paging = Paging.parse(limit, offset, afterId, beforeId, ordering);
        MessageUrls urls = urls(uri);
        if (paging.bounded()) {
            List<MessageView> page = messages.chunk(paging, null, paging.limit()).stream()
                    .map(m -> MessageView.of(m, urls)).toList();
            return Response.ok(page, MediaType.APPLICATION_JSON_TYPE).build();
        }
        // The whole list: streamed in chunks, never held in the heap (see MessageListStream).
        return Response.ok(new MessageListStream(messages, paging, urls, mapper, meters, response::closed).prefetch(),
                MediaType.APPLICATION_JSON_TYPE).build();
    }

    @GET
    @Path("count")
    @Operation(summary = "How many messages there are: exact up to 10000, InnoDB's estimate above (exact=false)")
    public MessageCount count() {
        return messages.count();
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    @Operation(summary = "Create a message; with an Idempotency-Key header it is stored at most once")
    public Response create(MessageInput input,
            @Parameter(description = "resending the same key returns the message stored the first time")
            @HeaderParam(IdempotencyKeys.HEADER) String idempotencyKey,
            @Parameter(hidden = true) @HeaderParam(IdempotencyKeys.EDGE_HEADER) String edgeRequestId,
            @Context UriInfo uri) {
        MessageInput valid = validate(input);
        String storedKey = IdempotencyKeys.storedKey(idempotencyKey, edgeRequestId);
        CreateResult result = messages.create(valid, storedKey, IdempotencyKeys.mayExist(storedKey));
        MessageView view = MessageView.of(result.message(), urls(uri));
        Response.ResponseBuilder response = Response.created(URI.create(view.url())).entity(view);
        if (result.replayed()) {
            response.header("Idempotent-Replayed", "true");
            // A client's (or nginx's) resend of a create that was stored already: how often answers got lost.
            meters.counter(IDEMPOTENT_REPLAYS).increment();
        }
        return response.build();
    }

    @GET
    @Path("{pk}")
    public MessageView get(@PathParam("pk") String pk, @Context UriInfo uri) {
        return MessageView.of(messages.get(parsePk(pk)), urls(uri));
    }

    @PUT
    @Path("{pk}")
    @Consumes(MediaType.APPLICATION_JSON)
    public MessageView replace(@PathParam("pk") String pk, MessageInput input, @Context UriInfo uri) {
        long id = parsePk(pk);
        return MessageView.of(messages.replace(id, validate(input)), urls(uri));
    }

    @PATCH
    @Path("{pk}")
    @Consumes({ MediaType.APPLICATION_JSON, MERGE_PATCH })
    public MessageView patch(@PathParam("pk") String pk, MessagePatch patch, @Context UriInfo uri) {
        long id = parsePk(pk);
        return MessageView.of(messages.patch(id, validate(patch)), urls(uri));
    }

    @DELETE
    @Path("{pk}")
    public Response delete(@PathParam("pk") String pk) {
        messages.delete(parsePk(pk));
        return Response.noContent().build();
    }

    /** A pk is a positive decimal number; anything else names no message (404, as DRF answers). */
    static long parsePk(String pk) {
        if (pk == null || pk.isEmpty() || pk.length() > 18 || !pk.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new MessageNotFoundException(pk);
        }
        long id = Long.parseLong(pk);
        if (id <= 0) {
            throw new MessageNotFoundException(pk);
        }
        return id;
    }

    private MessageInput validate(MessageInput input) {
        if (input == null) {
            throw InvalidRequestException.missingBody();
        }
        throwIfInvalid(validator.validate(input));
        return input;
    }

    private MessagePatch validate(MessagePatch patch) {
        if (patch == null) {
            throw InvalidRequestException.missingBody();
        }
        List<FieldError> errors = new ArrayList<>();
        // The same rules as a full message, applied only to the fields the patch carries.
        if (patch.subjectPresent()) {
            validator.validateValue(MessageInput.class, "subject", patch.subject())
                    .forEach(v -> errors.add(fieldError(v)));
        }
        if (patch.bodyPresent()) {
            validator.validateValue(MessageInput.class, "body", patch.body())
                    .forEach(v -> errors.add(fieldError(v)));
        }
        if (!errors.isEmpty()) {
            throw new InvalidRequestException("invalid message", sorted(errors));
        }
        return patch;
    }

    private static <T> void throwIfInvalid(Set<ConstraintViolation<T>> violations) {
        if (!violations.isEmpty()) {
            throw new InvalidRequestException("invalid message",
                    sorted(violations.stream().map(MessageResource::fieldError).toList()));
        }
    }

    private static List<FieldError> sorted(List<FieldError> errors) {
        return errors.stream().sorted().distinct().toList();
    }

    private static FieldError fieldError(ConstraintViolation<?> violation) {
        String field = null;
        for (var node : violation.getPropertyPath()) {
            field = node.getName();
        }
        return new FieldError(field, violation.getMessage());
    }

    private static MessageUrls urls(UriInfo uri) {
        return new MessageUrls(uri.getBaseUri());
    }
}
