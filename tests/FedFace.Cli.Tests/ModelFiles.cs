using System.Text;
using FedFace.DevelopmentData;

namespace FedFace.Cli.Tests;

/// <summary>Copies of the shared pretrained model with metadata entries added: a model FedFace does not know, or one that says what it needs.</summary>
public static class ModelFiles
{
    /// <summary>
    /// Writes the shared model with <paramref name="entries"/> appended to its <c>metadata_props</c>: protobuf merges a
    /// repeated field's entries from anywhere in the message, so appending one more field 14 is a valid ModelProto.
    /// </summary>
    public static string PretrainedWith(PhotoFolder folder, string name, params (string Key, string Value)[] entries)
    {
        var bytes = new List<byte>(File.ReadAllBytes(SharedData.MobileFaceNetOnnx));
        foreach ((string key, string value) in entries)
        {
            byte[] entry = [.. LengthDelimited(1, Encoding.UTF8.GetBytes(key)), .. LengthDelimited(2, Encoding.UTF8.GetBytes(value))];
            bytes.AddRange(LengthDelimited(14, entry));
        }
        return folder.AddFile(name, [.. bytes]);
    }

    private static byte[] LengthDelimited(int field, byte[] payload) => [.. Varint((uint)(field << 3 | 2)), .. Varint((uint)payload.Length), .. payload];

    private static IEnumerable<byte> Varint(uint value)
    {
        for (; value >= 0x80; value >>= 7)
        {
            yield return (byte)(value | 0x80);
        }
        yield return (byte)value;
    }
}
