import { Controller, Get, Header } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { STYLESHEET } from './pages/stylesheet.js';

@ApiExcludeController()
@Controller('assets')
export class AssetsController {
  @Get('portcullis.css')
  @Header('Content-Type', 'text/css; charset=utf-8')
  @Header('Cache-Control', 'public, max-age=3600')
  stylesheet(): string {
    return STYLESHEET;
  }
}
