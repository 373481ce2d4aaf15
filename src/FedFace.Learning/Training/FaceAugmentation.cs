using System.Text.Json.Serialization;
using FedFace.Core;
using FedFace.Core.Training;
using FedFace.Learning.Backbones;

namespace FedFace.Learning.Training;

/// <summary>
/// Random jitter of every training face on top of the left-right flip: a shift, a zoom and a rotation about the centre
/// (bilinear, the border pixels repeated outwards) and a contrast and brightness change. Drawn per face from the batch
/// sampler's seeded generator, so a seed fixes it. From-scratch training on a few thousand faces overfits without it;
/// all zero (<see cref="None"/>, the default) leaves the faces as they are and draws nothing.
/// </summary>
public sealed record FaceAugmentation
{
    public static FaceAugmentation None { get; } = new();

    /// <summary>Largest shift along each axis, as a share of the side (0.1 = up to ±11 px of 112).</summary>
    public float MaxShift { get; init; }
    /// <summary>Largest relative zoom in or out (0.1 = a scale in [0.9, 1.1]).</summary>
    public float MaxScale { get; init; }
    public float MaxRotationDegrees { get; init; }
    /// <summary>Contrast factor in [1 − j, 1 + j] and brightness offset in [−j, j], in normalised pixel units.</summary>
    public float ColorJitter { get; init; }

    /// <summary>The jitter bounds of <paramref name="plan"/>.</summary>
    public static FaceAugmentation Of(TrainingPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        return new FaceAugmentation
        {
            MaxShift = plan.AugmentMaxShift,
            MaxScale = plan.AugmentMaxScale,
            MaxRotationDegrees = plan.AugmentMaxRotationDegrees,
            ColorJitter = plan.AugmentColorJitter,
        };
    }

    [JsonIgnore] // derived, not a setting: kept out of the reports that record the options
    public bool IsNone => MaxShift == 0 && MaxScale == 0 && MaxRotationDegrees == 0 && ColorJitter == 0;

    /// <summary>Throws for the first bound outside its range (<see cref="AugmentationBounds"/>, which the aggregator checks too).</summary>
    public void Validate()
    {
        if (AugmentationBounds.Violations(MaxShift, MaxScale, MaxRotationDegrees, ColorJitter).FirstOrDefault() is (string name, float value, string rule))
        {
            throw new ArgumentOutOfRangeException(name, value, $"augmentation {name} {rule}, got {value}");
        }
    }

    /// <summary>One face's jitter, uniform within the bounds: one draw from <paramref name="random"/> per non-zero bound (two for colour).</summary>
    internal FaceJitter Draw(Random random)
    {
        float shiftX = Uniform(random, MaxShift) * FaceJitter.Side;
        float shiftY = Uniform(random, MaxShift) * FaceJitter.Side;
        float scale = 1 + Uniform(random, MaxScale);
        float angle = Uniform(random, MaxRotationDegrees) * MathF.PI / 180;
        (float contrast, float brightness) = ColorJitter > 0 ? (1 + Uniform(random, ColorJitter), Uniform(random, ColorJitter)) : (1f, 0f);
        return new FaceJitter(shiftX, shiftY, scale, angle, contrast, brightness);
    }

    private static float Uniform(Random random, float bound) => bound == 0 ? 0 : (2 * random.NextSingle() - 1) * bound;
}

/// <summary>One drawn jitter: the face scaled by <see cref="Scale"/> and turned by <see cref="Angle"/> about the centre, then shifted; then c·x + b.</summary>
internal readonly record struct FaceJitter(float ShiftX, float ShiftY, float Scale, float Angle, float Contrast, float Brightness)
{
    public const int Side = FaceBackbone.InputSize;
    private const int Plane = Side * Side;
    private const float Centre = (Side - 1) / 2f;

    /// <summary>
    /// Writes the jittered (and, with <paramref name="flip"/>, mirrored) CHW face <paramref name="source"/> to <paramref name="destination"/>.
    /// Each output pixel samples the source at the inverse map of its position, so the map is affine and walked incrementally.
    /// </summary>
    public void Apply(ReadOnlySpan<float> source, Span<float> destination, bool flip)
    {
        // Inverse map: p_source = R(−angle)·(p − centre − shift) / scale + centre, then mirrored in x when flipping.
        float cos = MathF.Cos(Angle) / Scale, sin = MathF.Sin(Angle) / Scale;
        float mirror = flip ? -1 : 1;
        for (int y = 0; y < Side; y++)
        {
            float dy = y - Centre - ShiftY;
            for (int x = 0; x < Side; x++)
            {
                float dx = x - Centre - ShiftX;
                float sx = Math.Clamp(Centre + mirror * (cos * dx + sin * dy), 0, Side - 1);
                float sy = Math.Clamp(Centre - sin * dx + cos * dy, 0, Side - 1);
                int x0 = Math.Min((int)sx, Side - 2), y0 = Math.Min((int)sy, Side - 2);
                float fx = sx - x0, fy = sy - y0;
                int topLeft = y0 * Side + x0;
                for (int channel = 0; channel < 3; channel++)
                {
                    ReadOnlySpan<float> plane = source.Slice(channel * Plane, Plane);
                    float top = plane[topLeft] + fx * (plane[topLeft + 1] - plane[topLeft]);
                    float bottom = plane[topLeft + Side] + fx * (plane[topLeft + Side + 1] - plane[topLeft + Side]);
                    destination[channel * Plane + y * Side + x] = Contrast * (top + fy * (bottom - top)) + Brightness;
                }
            }
        }
    }
}
