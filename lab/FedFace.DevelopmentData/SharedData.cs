namespace FedFace.DevelopmentData;

/// <summary>
/// Locates the read-only shared data folder (faces and models) that sits next to the checkout.
/// Set FEDFACE_SHARED_DIR to point elsewhere; otherwise the folder is found by walking up from the
/// working directory and from the program's own folder, looking for a sibling named "shared".
/// </summary>
public static class SharedData
{
    public const string EnvironmentVariable = "FEDFACE_SHARED_DIR";

    public static string Root => s_root.Value;

    private static readonly Lazy<string> s_root = new(Locate);

    public static string LfwDirectory => Path.Combine(Root, "data", "lfw-deepfunneled");
    public static string LfwPairsFile => Path.Combine(Root, "data", "lfw-pairs.txt");
    public static string OrlDirectory => Path.Combine(Root, "data", "orl");
    public static string YuNetModel => Path.Combine(Root, "models", "face_detection_yunet_2023mar.onnx");
    public static string MobileFaceNetOnnx => Path.Combine(Root, "models", "mobilefacenet_foamliu.onnx");

    /// <summary>Path of an LFW image, e.g. ("Aaron_Peirsol", 1) → .../Aaron_Peirsol/Aaron_Peirsol_0001.jpg.</summary>
    public static string LfwImage(string person, int number) =>
        Path.Combine(LfwDirectory, person, $"{person}_{number:D4}.jpg");

    private static string Locate()
    {
        string? configured = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (!string.IsNullOrWhiteSpace(configured))
        {
            return IsSharedRoot(configured)
                ? Path.GetFullPath(configured)
                : throw new DirectoryNotFoundException(
                    $"{EnvironmentVariable}={configured} does not hold data/lfw-pairs.txt and models/");
        }
        foreach (string start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (DirectoryInfo? dir = new(start); dir is not null; dir = dir.Parent)
            {
                string candidate = Path.Combine(dir.FullName, "shared");
                if (IsSharedRoot(candidate))
                {
                    return candidate;
                }
            }
        }
        throw new DirectoryNotFoundException(
            $"could not find the shared data folder (a 'shared' folder next to the checkout holding data/ and models/); set {EnvironmentVariable}");
    }

    private static bool IsSharedRoot(string path) =>
        File.Exists(Path.Combine(path, "data", "lfw-pairs.txt")) && Directory.Exists(Path.Combine(path, "models"));
}
