namespace FedFace.Evaluation.Plotting;

public readonly record struct Rgb(byte R, byte G, byte B)
{
    public static Rgb White => new(255, 255, 255);
    public static Rgb Black => new(0, 0, 0);
}

/// <summary>An 8-bit RGB raster, rows top to bottom, with the few drawing operations a line plot needs.
/// Drawing outside the image is clipped silently.</summary>
public sealed class RgbImage
{
    public RgbImage(int width, int height, Rgb background)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        Width = width;
        Height = height;
        Pixels = new byte[checked(width * height * 3)];
        FillRectangle(0, 0, width, height, background);
    }

    public int Width { get; }
    public int Height { get; }

    /// <summary>R, G, B bytes per pixel, row after row.</summary>
    public byte[] Pixels { get; }

    public Rgb this[int x, int y]
    {
        get
        {
            int at = Offset(x, y);
            return new Rgb(Pixels[at], Pixels[at + 1], Pixels[at + 2]);
        }
    }

    public void SetPixel(int x, int y, Rgb colour)
    {
        if ((uint)x < (uint)Width && (uint)y < (uint)Height)
        {
            int at = Offset(x, y);
            Pixels[at] = colour.R;
            Pixels[at + 1] = colour.G;
            Pixels[at + 2] = colour.B;
        }
    }

    public void FillRectangle(int left, int top, int width, int height, Rgb colour)
    {
        for (int y = top; y < top + height; y++)
        {
            for (int x = left; x < left + width; x++)
            {
                SetPixel(x, y, colour);
            }
        }
    }

    /// <summary>A straight line (Bresenham), <paramref name="thickness"/> pixels wide.</summary>
    public void DrawLine(int x0, int y0, int x1, int y1, Rgb colour, int thickness = 1)
    {
        int dx = Math.Abs(x1 - x0), dy = -Math.Abs(y1 - y0);
        int stepX = x0 < x1 ? 1 : -1, stepY = y0 < y1 ? 1 : -1;
        int error = dx + dy;
        int offset = (thickness - 1) / 2;
        while (true)
        {
            FillRectangle(x0 - offset, y0 - offset, thickness, thickness, colour);
            if (x0 == x1 && y0 == y1)
            {
                return;
            }
            int doubled = 2 * error;
            if (doubled >= dy)
            {
                error += dy;
                x0 += stepX;
            }
            if (doubled <= dx)
            {
                error += dx;
                y0 += stepY;
            }
        }
    }

    /// <summary>Text in the built-in 5×7 font, its top-left corner at (left, top), each font pixel scale×scale.</summary>
    public void DrawText(int left, int top, string text, Rgb colour, int scale = 1)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (int c = 0; c < text.Length; c++)
        {
            for (int row = 0; row < BitmapFont.GlyphHeight; row++)
            {
                for (int column = 0; column < BitmapFont.GlyphWidth; column++)
                {
                    if (BitmapFont.IsSet(text[c], column, row))
                    {
                        FillRectangle(left + (c * BitmapFont.Advance + column) * scale, top + row * scale, scale, scale, colour);
                    }
                }
            }
        }
    }

    /// <summary>Text drawn bottom-to-top (rotated a quarter turn anticlockwise), for a vertical axis label;
    /// (left, bottom) is where its first character starts.</summary>
    public void DrawTextUpwards(int left, int bottom, string text, Rgb colour)
    {
        ArgumentNullException.ThrowIfNull(text);
        for (int c = 0; c < text.Length; c++)
        {
            for (int row = 0; row < BitmapFont.GlyphHeight; row++)
            {
                for (int column = 0; column < BitmapFont.GlyphWidth; column++)
                {
                    if (BitmapFont.IsSet(text[c], column, row))
                    {
                        SetPixel(left + row, bottom - c * BitmapFont.Advance - column, colour);
                    }
                }
            }
        }
    }

    private int Offset(int x, int y)
    {
        if ((uint)x >= (uint)Width || (uint)y >= (uint)Height)
        {
            throw new ArgumentOutOfRangeException(nameof(x), $"({x}, {y}) is outside the {Width}×{Height} image");
        }
        return (y * Width + x) * 3;
    }
}
