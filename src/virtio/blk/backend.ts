// Where a virtio-blk device keeps its bytes. Asynchronous, so that host I/O never stops the
// guest: the device completes a request when its promise settles, and a rejected promise is
// an I/O error for that request only.

export interface BlockBackend {
  /** Bytes; the device exposes floor(size / 512) sectors. */
  readonly size: number;
  readonly readOnly: boolean;
  /** Serial number for VIRTIO_BLK_T_GET_ID (up to 20 bytes are used). */
  readonly id: string;
  read(offset: number, length: number): Promise<Uint8Array>;
  write(offset: number, data: Uint8Array): Promise<void>;
  /** Makes completed writes durable. */
  flush(): Promise<void>;
  /** The guest no longer needs these bytes (advisory: keeping them is correct). */
  discard(offset: number, length: number): Promise<void>;
  writeZeroes(offset: number, length: number): Promise<void>;
  close(): Promise<void>;
}
