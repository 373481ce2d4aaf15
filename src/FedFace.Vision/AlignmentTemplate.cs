using System.Collections.ObjectModel;

namespace FedFace.Vision;

/// <summary>
/// Where the five landmarks (right eye, left eye, nose tip, right mouth corner, left mouth corner) go in an
/// aligned crop of <see cref="Width"/> x <see cref="Height"/> pixels.
/// </summary>
public sealed class AlignmentTemplate
{
    private AlignmentTemplate(string name, int width, int height, IEnumerable<(float X, float Y)> points)
    {
        Name = name;
        Width = width;
        Height = height;
        Points = new ReadOnlyCollection<(float X, float Y)>([.. points]);
    }

    /// <summary>"112", "96x112" or "160": what the command line and cache keys call it.</summary>
    public string Name { get; }
    public int Width { get; }
    public int Height { get; }
    public IReadOnlyList<(float X, float Y)> Points { get; }

    /// <summary>InsightFace <c>arcface_torch</c>'s 112x112 template: the recognition network's input.</summary>
    public static AlignmentTemplate ArcFace112 { get; } = new("112", 112, 112,
    [
        (38.2946f, 51.6963f),
        (73.5318f, 51.5014f),
        (56.0252f, 71.7366f),
        (41.5493f, 92.3655f),
        (70.7299f, 92.2041f),
    ]);

    /// <summary>SphereFace/CosFace 96x112: the same template with 8 px cut from each side (InsightFace practice).</summary>
    public static AlignmentTemplate Wide96x112 { get; } = new("96x112", 96, 112, ArcFace112.Points.Select(p => (p.X - 8f, p.Y)));

    /// <summary>160x160 (FaceNet-style input): the 112 template scaled by 160/112.</summary>
    public static AlignmentTemplate Square160 { get; } = new("160", 160, 160, ArcFace112.Points.Select(p => (p.X * 160f / 112f, p.Y * 160f / 112f)));

    public static IReadOnlyList<AlignmentTemplate> All { get; } = [ArcFace112, Wide96x112, Square160];

    /// <summary>Looks a template up by <see cref="Name"/> ("112", "96x112", "160"; "112x112" and "160x160" too).</summary>
    public static AlignmentTemplate Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        string normalized = name.Trim().ToLowerInvariant() switch
        {
            "112x112" => "112",
            "160x160" => "160",
            var other => other,
        };
        return All.FirstOrDefault(t => t.Name == normalized)
            ?? throw new ArgumentException($"unknown crop size '{name}'; use one of {string.Join(", ", All.Select(t => t.Name))}", nameof(name));
    }

    public override string ToString() => Name;
}
