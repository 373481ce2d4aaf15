using System.Text;
using FedFace.DevelopmentData;
using FedFace.Learning.Training;

namespace FedFace.Learning.Tests;

/// <summary>
/// Faces from the AT&amp;T / ORL database (credit: AT&amp;T Laboratories Cambridge): 8-bit grey 92x112 binary PGM,
/// roughly cropped. Padded left and right to 112x112 with mid-grey, copied to three channels and normalised
/// like the network's input.
/// </summary>
internal static class OrlFaces
{
    private const int Width = 92;
    private const int Height = 112;
    private const int Side = 112;

    /// <summary>Images 1..<paramref name="imagesPerPerson"/> of people s1..s<paramref name="people"/>; label = person − 1.</summary>
    public static FaceTrainingSet Load(int people, int imagesPerPerson)
    {
        var pixels = new float[people * imagesPerPerson * FaceTrainingSet.ValuesPerImage];
        var labels = new int[people * imagesPerPerson];
        int index = 0;
        for (int person = 1; person <= people; person++)
        {
            for (int image = 1; image <= imagesPerPerson; image++, index++)
            {
                string path = Path.Combine(SharedData.OrlDirectory, $"s{person}", $"{image}.pgm");
                WriteFace(ReadPgm(path), pixels.AsSpan(index * FaceTrainingSet.ValuesPerImage, FaceTrainingSet.ValuesPerImage));
                labels[index] = person - 1;
            }
        }
        return new FaceTrainingSet(pixels, labels, people);
    }

    private static void WriteFace(byte[] grey, Span<float> chw)
    {
        chw[..(Side * Side)].Clear(); // 0 is mid-grey after (x − 127.5) / 127.5
        const int left = (Side - Width) / 2;
        for (int y = 0; y < Height; y++)
        {
            for (int x = 0; x < Width; x++)
            {
                chw[y * Side + left + x] = (grey[y * Width + x] - 127.5f) / 127.5f;
            }
        }
        chw[..(Side * Side)].CopyTo(chw.Slice(Side * Side, Side * Side));     // G = R
        chw[..(Side * Side)].CopyTo(chw.Slice(2 * Side * Side, Side * Side)); // B = R
    }

    /// <summary>Binary PGM (P5): magic, width, height, maxval as whitespace-separated text ('#' comments allowed), one whitespace byte, then the pixels.</summary>
    private static byte[] ReadPgm(string path)
    {
        byte[] file = File.ReadAllBytes(path);
        int at = 0;
        string[] header = [Token(), Token(), Token(), Token()];
        if (header is not ["P5", "92", "112", "255"])
        {
            throw new InvalidDataException($"{path}: expected an 8-bit 92x112 P5 PGM, header '{string.Join(' ', header)}'");
        }
        at++; // the single whitespace byte after maxval
        return file.AsSpan(at, Width * Height).ToArray();

        string Token()
        {
            while (char.IsWhiteSpace((char)file[at]) || file[at] == '#')
            {
                if (file[at] == '#')
                {
                    while (file[at] != '\n') at++;
                }
                at++;
            }
            int start = at;
            while (!char.IsWhiteSpace((char)file[at])) at++;
            return Encoding.ASCII.GetString(file, start, at - start);
        }
    }
}
