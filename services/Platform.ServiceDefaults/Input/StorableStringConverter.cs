using System.Text.Json;
using System.Text.Json.Serialization;

namespace Platform.ServiceDefaults.Input;

/// <summary>
/// Every string an endpoint binds from a JSON body: one holding NUL fails binding with a JSON error at its path
/// (<see cref="BadRequestHandler"/> turns it into a 400 naming the field) instead of reaching the database.
/// </summary>
internal sealed class StorableStringConverter : JsonConverter<string>
{
    public override string? Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => Checked(Text(ref reader));

    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    public override string ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Checked(Text(ref reader))!;

    public override void WriteAsPropertyName(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WritePropertyName(value);

    private static string? Text(ref Utf8JsonReader reader)
    {
        try
        {
            return reader.GetString();
        }
        catch (InvalidOperationException ex) when (reader.TokenType is JsonTokenType.String or JsonTokenType.PropertyName)
        {
            // A string token that does not transcode: invalid UTF-8 or an escaped unpaired surrogate.
            throw new JsonException(StorableText.InvalidTextMessage, ex);
        }
    }

    private static string? Checked(string? value) => StorableText.HasNul(value) ? throw new JsonException(StorableText.NulMessage) : value;
}
