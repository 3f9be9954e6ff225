/**
 * iproute2's output helpers (lib/json_writer.c, lib/json_print.c): one printer
 * that writes either the text form or JSON (compact, or pretty with -p) with
 * iproute2's exact spacing: `[ {` ... `} ]`, arrays inline as `[ "A","B" ]`.
 */
export class JsonWriter {
  out = '';
  private depth = 0;
  private sep = '';
  constructor(readonly pretty: boolean) {}
  private eol(): void {
    if (!this.pretty) return;
    this.out += '\n' + '    '.repeat(this.depth);
  }
  private eor(): void {
    if (this.sep) this.out += this.sep;
    this.sep = ',';
  }
  private begin(c: string): void {
    this.eor();
    this.out += c;
    this.depth++;
    this.sep = '';
  }
  private end(c: string): void {
    this.depth--;
    if (this.sep) this.eol();
    this.out += c;
    this.sep = ',';
  }
  name(n: string): void {
    this.eor();
    this.eol();
    this.sep = '';
    this.out += JSON.stringify(n) + ':' + (this.pretty ? ' ' : '');
  }
  value(v: string | number | boolean | null): void {
    this.eor();
    this.out += v === null ? 'null' : JSON.stringify(v);
  }
  startObject(): void {
    this.begin('{');
  }
  endObject(): void {
    this.end('}');
  }
  startArray(): void {
    this.begin('[');
    if (this.pretty) this.out += ' ';
  }
  endArray(): void {
    if (this.pretty && this.sep) this.out += ' ';
    this.sep = '';
    this.end(']');
  }
}

/** PRINT_ANY / PRINT_FP / PRINT_JSON printing into one string. */
export class Printer {
  text = '';
  readonly json: JsonWriter | null;
  constructor(json: boolean, pretty: boolean) {
    this.json = json ? new JsonWriter(pretty) : null;
  }
  get isJson(): boolean {
    return this.json !== null;
  }
  /** print_string/print_int/print_uint with PRINT_ANY: key for JSON, fmt (%s = value) for text. */
  any(key: string | null, fmt: string, value: string | number): void {
    if (this.json) {
      if (key) this.json.name(key);
      this.json.value(value);
    } else this.text += fmt.replace('%s', String(value));
  }
  fp(text: string): void {
    if (!this.json) this.text += text;
  }
  jsonOnly(key: string | null, value: string | number | boolean | null): void {
    if (!this.json) return;
    if (key) this.json.name(key);
    this.json.value(value);
  }
  openObject(key: string | null): void {
    if (!this.json) return;
    if (key) this.json.name(key);
    this.json.startObject();
  }
  closeObject(): void {
    this.json?.endObject();
  }
  openArray(key: string | null): void {
    if (!this.json) return;
    if (key) this.json.name(key);
    this.json.startArray();
  }
  closeArray(): void {
    this.json?.endArray();
  }
  /** Everything written (JSON documents end with a newline, like jsonw_destroy). */
  result(): string {
    return this.json ? this.json.out + '\n' : this.text;
  }
}
